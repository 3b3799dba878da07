"""The engine and its sessions. One Store per process; one transaction per update or job."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from bot.store.migrate import upgrade
from bot.store.repository import Repository

SQLITE_BUSY_TIMEOUT_MS = 10_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run beside the writer; busy_timeout waits for a lock instead of failing."""
    cursor = dbapi_connection.cursor()
    # busy_timeout first: switching a new file to WAL needs the lock another process may hold.
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_no_implicit_transactions(dbapi_connection: Any, _record: Any) -> None:
    """Python's sqlite3 begins a transaction only before INSERT, UPDATE and DELETE: DDL runs (and
    stays) outside it. With its transaction handling off, `_begin_immediate` begins instead."""
    dbapi_connection.isolation_level = None


def _begin_immediate(connection: Connection) -> None:
    """A real transaction around everything, DDL included, holding the write lock from the start
    (another process migrating waits for it, up to busy_timeout)."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _migration_engine(database_url: str) -> AsyncEngine:
    """SQLite's engine for migrations only (SQLAlchemy's recipe for transactional DDL with
    pysqlite/aiosqlite): every statement of a migration in one transaction, so that one failing
    half-way leaves neither tables nor a version behind. The bot's own engine keeps sqlite3's
    usual transaction handling."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    event.listen(engine.sync_engine, "connect", _sqlite_no_implicit_transactions)
    event.listen(engine.sync_engine, "begin", _begin_immediate)
    return engine


PRIVATE_FILE, PRIVATE_FOLDER = 0o600, 0o700  # the store holds who reads what: owner only


def make_private_folder(folder: Path) -> None:
    """Create `folder` (and missing parents) readable by the owner only; a folder that exists
    already is left as it is (it may be shared, like /tmp or the working directory)."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=PRIVATE_FOLDER)
        except FileExistsError:  # made meanwhile by another process
            continue
        os.chmod(path, PRIVATE_FOLDER)  # mkdir's mode passes through the umask


def make_private_file(path: Path) -> None:
    """Create `path` empty with mode 0600 if it is missing, else narrow its mode to 0600."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        os.chmod(path, PRIVATE_FILE)


def _prepare_sqlite_file(url: str) -> None:
    """The database's folder and file, private to this user before SQLite opens it. SQLite
    creates the -wal, -shm and -journal files with the mode of the database file, so they are
    0600 too; ones left by an older version are narrowed here."""
    parsed = make_url(url)
    database = parsed.database
    if (
        not database
        or database == ":memory:"
        or database.startswith("file:")
        or parsed.query.get("mode") == "memory"
    ):
        return
    path = Path(database).expanduser()
    make_private_folder(path.parent)
    try:
        make_private_file(path)
        for suffix in ("-wal", "-shm", "-journal"):
            companion = path.with_name(path.name + suffix)
            if companion.exists():
                os.chmod(companion, PRIVATE_FILE)
    except PermissionError:  # a file another user owns (a shared deployment): leave its mode
        pass


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
        """Apply pending schema migrations (Alembic), in one transaction: all of them or none.
        Processes starting together take turns (bot.store.migrate)."""
        url = make_url(self.database_url)
        in_memory = url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"
        if not self.is_sqlite or in_memory:
            # PostgreSQL's DDL is transactional; an in-memory SQLite lives in this engine only.
            async with self.engine.begin() as connection:
                await connection.run_sync(upgrade)
            return
        engine = _migration_engine(self.database_url)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(upgrade)
        finally:
            await engine.dispose()

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
