"""Fixtures: a Bot API stand-in on 127.0.0.1, settings with a throwaway SQLite file, and the real
Application polling the stand-in."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.sandbox.driver import BotDriver, driven_bot
from bot.sandbox.standin import TelegramStandIn
from content.library import Library, load_library

os.environ.setdefault("PTB_TIMEDELTA", "1")  # as run_bot.py does

TEST_TOKEN = "123456:TEST-secret-token-abcdefghijklmnop"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        bot_token=TEST_TOKEN,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
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
