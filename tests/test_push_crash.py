"""A push to 1 000 chats, the bot process killed with SIGKILL in the middle, then restarted: every
chat gets its briefing, and no more duplicates than README's stated bound (CONCURRENCY)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import format_time_of_day
from bot.scheduler import CONCURRENCY
from bot.store import Store
from bot.store.content_import import sync_content
from content.library import Library
from entry.standin import TelegramStandIn

ROOT = Path(__file__).resolve().parent.parent
CHATS = 1000
FIRST_CHAT = 500_000


async def _fill(database_url: str, library: Library, api: TelegramStandIn) -> None:
    """1 000 private chats, each due a minute ago, half of them following a topic."""
    store = Store(database_url)
    await store.migrate()
    await sync_content(store, library)
    now = datetime.now(UTC)
    async with store.transaction() as repo:
        for offset in range(CHATS):
            chat_id = FIRST_CHAT + offset
            api.chat(chat_id)
            await repo.touch_chat(chat_id, "private", "zh", now)
            await repo.add_schedule(
                chat_id, format_time_of_day(now.time()), "UTC", now - timedelta(minutes=1)
            )
            if offset % 2:
                await repo.subscribe(chat_id, "topic", "protection", "知识产权保护", now)
    await store.close()


async def _start_bot(
    api: TelegramStandIn, database_url: str, log: Path
) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if k not in {"LOG_LEVEL"}}
    env.update(
        BOT_TOKEN=api.token,
        TELEGRAM_BASE_URL=api.base_url,
        DATABASE_URL=database_url,
        RATE_LIMIT="off",
    )
    handle = log.open("ab")
    return await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "run_bot.py"), env=env, stdout=handle, stderr=handle
    )


def _delivered(api: TelegramStandIn) -> dict[int, int]:
    counts: dict[int, int] = {}
    for offset in range(CHATS):
        chat_id = FIRST_CHAT + offset
        counts[chat_id] = len(api.bot_messages(chat_id))
    return counts


async def test_sigkill_in_the_middle_of_a_push_loses_nothing(
    tmp_path: Path, api: TelegramStandIn, library: Library
) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'crash.sqlite3'}"
    await _fill(database_url, library, api)
    api.fail("sendMessage", 200, delay=0.01, times=10**9)  # 10 ms a send: a push that takes time
    log = tmp_path / "bot.log"
    started = time.perf_counter()

    first = await _start_bot(api, database_url, log)
    await api.wait_for(lambda: sum(_delivered(api).values()) >= 300, timeout=60)
    first.send_signal(signal.SIGKILL)
    await first.wait()
    at_kill = sum(_delivered(api).values())

    second = await _start_bot(api, database_url, log)
    try:
        await api.wait_for(lambda: all(_delivered(api).values()), timeout=120)
        finished = time.perf_counter() - started
    finally:
        api.release_polls()
        second.send_signal(signal.SIGTERM)
        await asyncio.wait_for(second.wait(), timeout=30)

    counts = _delivered(api)
    lost = sum(1 for n in counts.values() if n == 0)
    duplicated = sum(n - 1 for n in counts.values() if n > 1)
    print(
        f"\ncrash test: {CHATS} chats, killed after {at_kill} sends; lost {lost}, "
        f"duplicated {duplicated} (bound {CONCURRENCY}), finished in {finished:.1f}s"
    )
    assert lost == 0
    assert duplicated <= CONCURRENCY
    assert 300 <= at_kill < CHATS
