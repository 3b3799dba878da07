"""Fixtures: a Bot API stand-in on 127.0.0.1, settings with a throwaway database, and the real
Application polling the stand-in.

The database is a fresh SQLite file; modules that declare `BACKENDS = ("sqlite", "postgresql")`
run against PostgreSQL too, when TEST_POSTGRES_URL names a server where the role may create
databases (.ci/run starts one), and skip that half loudly when it does not."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from bot.config import Settings
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
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        bot_token=TEST_TOKEN,
        database_url=database_url,
        rate_limit=False,
        owner_ids=frozenset({42}),
    )


@pytest.fixture
async def api() -> AsyncIterator[TelegramStandIn]:
    async with TelegramStandIn(token=TEST_TOKEN) as standin:
        standin.user(1001, "Li", language_code="zh-hans")
        standin.user(2002, "Alice", language_code="en")
        yield standin


@pytest.fixture
async def bot(settings: Settings, api: TelegramStandIn) -> AsyncIterator[BotDriver]:
    async with driven_bot(settings, api) as driver:
        yield driver


@pytest.fixture(scope="session")
def library() -> Library:
    return load_library()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say it loudly when the PostgreSQL half did not run."""
    skipped = terminalreporter.stats.get("skipped", [])
    if any("PostgreSQL" in str(getattr(report, "longrepr", "")) for report in skipped):
        terminalreporter.write_line(
            "!!! PostgreSQL tests were SKIPPED: set TEST_POSTGRES_URL (see .ci/run) to run them",
            red=True,
            bold=True,
        )
