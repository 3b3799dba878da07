"""Fixtures: a Bot API stand-in, settings with a throwaway database, and the real Application
talking to the stand-in: in memory (the fast tier), or over HTTP on 127.0.0.1 in the modules that
set `WIRE = True`.

The database is a fresh SQLite file; modules that declare `BACKENDS = ("sqlite", "postgresql")`
run against PostgreSQL too, when TEST_POSTGRES_URL names a server where the role may create
databases (.ci/run starts one), and skip that half loudly when it does not."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.store import Store
from bot.store.content_import import sync_content
from content.library import Library, load_library
from entry.standin import TelegramStandIn
from tests.support.driver import BotDriver, driven_bot

os.environ.setdefault("PTB_TIMEDELTA", "1")  # as run_bot.py does

TEST_TOKEN = "123456:TEST-secret-token-abcdefghijklmnop"


POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        backends = getattr(metafunc.module, "BACKENDS", ("sqlite",))
        metafunc.parametrize("backend", backends)


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
async def database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL: TEST_POSTGRES_URL is not set (.ci/run sets it when it can)")
    async with fresh_postgres_database(POSTGRES_URL) as url:
        yield url


@asynccontextmanager
async def fresh_postgres_database(server_url: str) -> AsyncIterator[str]:
    """A new, empty database on the server, dropped afterwards."""
    import asyncpg

    url = make_url(server_url)
    name = f"test_{uuid.uuid4().hex[:12]}"
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        try:
            await _drop_database(admin, name)
        finally:
            await admin.close()


async def _drop_database(admin: Any, name: str) -> None:
    """DROP … WITH (FORCE) ends the test's own leftover connections; an autovacuum worker that
    happens to be in the new database belongs to the superuser, which this role may not end
    (InsufficientPrivilegeError): it finishes within moments, so try again."""
    import asyncpg

    for attempt in range(50):
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except asyncpg.InsufficientPrivilegeError:
            if attempt == 49:
                raise
            await asyncio.sleep(0.1)


@pytest.fixture(scope="session")
def seeded_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated and holding the shipped content, made once per run: every bot test
    starts from a copy, so its start-up finds the schema current and the content imported (one
    query each) instead of importing the work plan again."""
    path = tmp_path_factory.mktemp("seed") / "seeded.sqlite3"

    async def seed() -> None:
        store = Store(f"sqlite+aiosqlite:///{path}")
        try:
            await store.migrate()
            await sync_content(store, load_library())
        finally:
            await store.close()

    asyncio.run(seed())
    return path


@pytest.fixture
def bot_database_url(backend: str, database_url: str, seeded_sqlite: Path, tmp_path: Path) -> str:
    """The bot's database: on SQLite a fresh copy of the seeded file, elsewhere the empty one."""
    if backend != "sqlite":
        return database_url
    copy = tmp_path / "bot-seeded.sqlite3"
    shutil.copyfile(seeded_sqlite, copy)
    return f"sqlite+aiosqlite:///{copy}"


@pytest.fixture
def settings(bot_database_url: str) -> Settings:
    return Settings(
        bot_token=TEST_TOKEN,
        database_url=bot_database_url,
        rate_limit=False,
        owner_ids=frozenset({42}),
    )


@pytest.fixture
def wire(request: pytest.FixtureRequest) -> bool:
    """Whether the bot talks to the stand-in over HTTP (and long-polls it) or in memory. Test
    modules about what only the wire shows set `WIRE = True`; the rest run in memory."""
    return bool(getattr(request.module, "WIRE", False))


@pytest.fixture
async def api() -> AsyncIterator[TelegramStandIn]:
    async with TelegramStandIn(token=TEST_TOKEN) as standin:
        standin.user(1001, "Li", language_code="zh-hans")
        standin.user(2002, "Alice", language_code="en")
        yield standin


@pytest.fixture
async def bot(settings: Settings, api: TelegramStandIn, wire: bool) -> AsyncIterator[BotDriver]:
    async with driven_bot(settings, api, wire=wire) as driver:
        yield driver


@pytest.fixture(scope="session")
def library() -> Library:
    return load_library()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say it loudly when the PostgreSQL half did not run."""
    skipped = terminalreporter.stats.get("skipped", [])
    if any("BROWSER" in str(getattr(report, "longrepr", "")) for report in skipped):
        terminalreporter.write_line(
            "!!! Browser tests of the reading view were SKIPPED: no headless Chromium or "
            "Playwright (apt-get install chromium fonts-noto-cjk; pip install playwright)",
            red=True,
            bold=True,
        )
    if any("PostgreSQL" in str(getattr(report, "longrepr", "")) for report in skipped):
        terminalreporter.write_line(
            "!!! PostgreSQL tests were SKIPPED: set TEST_POSTGRES_URL (see .ci/run) to run them",
            red=True,
            bold=True,
        )
