"""The engine and its sessions. One Store per process; one transaction per update or job."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from bot.store.migrate import upgrade
from bot.store.repository import Repository

SQLITE_BUSY_TIMEOUT_MS = 10_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run beside the writer; busy_timeout waits for a lock instead of failing."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _prepare_sqlite_file(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


class Store:
    """Owns the engine. `transaction()` is the only way to a Repository."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.is_sqlite = make_url(database_url).get_backend_name() == "sqlite"
        if self.is_sqlite:
            _prepare_sqlite_file(database_url)
        self.engine: AsyncEngine = create_async_engine(database_url)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time, and a writer that finds the lock taken sleeps in
        # SQLite's busy handler (up to 100 ms a try). Taking turns in-process instead keeps every
        # transaction short and the push fast; other processes still meet busy_timeout.
        self._turn = asyncio.Lock() if self.is_sqlite else None

    async def migrate(self) -> None:
        """Apply pending schema migrations (Alembic), in one transaction."""
        async with self.engine.begin() as connection:
            await connection.run_sync(upgrade)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Repository]:
        """Commit when the block ends, roll back if it raises."""
        if self._turn is None:
            async with self._sessions() as session, session.begin():
                yield Repository(session)
            return
        async with self._turn, self._sessions() as session, session.begin():
            yield Repository(session)

    async def close(self) -> None:
        await self.engine.dispose()
