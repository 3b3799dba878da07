"""The push meets a dying process. SIGKILL in the middle of a push to 1 500 chats, then a restart:
every chat gets its briefing, and no more duplicates than README's stated bound
(DUPLICATES_PER_CRASH: sends in flight plus sends not yet marked) nor 2 % of the chats. SIGTERM in
the middle (a supervisor stopping the bot): the bot stops within the container's grace period,
leaves no row `sending`, and the restart sends the rest with no duplicate at all."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import format_time_of_day
from bot.scheduler import DUPLICATES_PER_CRASH, STOP_WITHIN
from bot.store import Store
from bot.store.content_import import sync_content
from content.library import Library
from entry.standin import TelegramStandIn

ROOT = Path(__file__).resolve().parent.parent
CHATS = 1500
FIRST_CHAT = 500_000
GRACE_SECONDS = 60  # compose.yaml's stop_grace_period


async def _fill(database_url: str, library: Library, api: TelegramStandIn) -> None:
    """1 500 private chats, each due a minute ago, half of them following a topic."""
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


def _statuses(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT status, count(*) FROM deliveries GROUP BY status")
        return dict(rows.fetchall())


async def _setup(tmp_path: Path, api: TelegramStandIn, library: Library) -> tuple[Path, str, Path]:
    database = tmp_path / "crash.sqlite3"
    database_url = f"sqlite+aiosqlite:///{database}"
    await _fill(database_url, library, api)
    api.fail("sendMessage", 200, delay=0.01, times=10**9)  # 10 ms a send: a push that takes time
    return database, database_url, tmp_path / "bot.log"


async def _finish_after_restart(
    api: TelegramStandIn, database_url: str, log: Path
) -> dict[int, int]:
    second = await _start_bot(api, database_url, log)
    try:
        await api.wait_for(lambda: all(_delivered(api).values()), timeout=120)
    finally:
        api.release_polls()
        second.send_signal(signal.SIGTERM)
        await asyncio.wait_for(second.wait(), timeout=30)
    return _delivered(api)


async def test_sigkill_in_the_middle_of_a_push_loses_nothing(
    tmp_path: Path, api: TelegramStandIn, library: Library
) -> None:
    _database, database_url, log = await _setup(tmp_path, api, library)
    started = time.perf_counter()

    first = await _start_bot(api, database_url, log)
    await api.wait_for(lambda: sum(_delivered(api).values()) >= 400, timeout=60)
    first.send_signal(signal.SIGKILL)
    await first.wait()
    at_kill = sum(_delivered(api).values())

    counts = await _finish_after_restart(api, database_url, log)
    finished = time.perf_counter() - started
    lost = sum(1 for n in counts.values() if n == 0)
    duplicated = sum(n - 1 for n in counts.values() if n > 1)
    print(
        f"\ncrash test: {CHATS} chats, killed after {at_kill} sends; lost {lost}, "
        f"duplicated {duplicated} (bound {DUPLICATES_PER_CRASH}), finished in {finished:.1f}s"
    )
    assert lost == 0
    assert duplicated <= DUPLICATES_PER_CRASH
    assert duplicated <= CHATS * 0.02
    assert 400 <= at_kill < CHATS


async def test_sigterm_in_the_middle_of_a_push_stops_in_time_and_puts_the_rest_back(
    tmp_path: Path, api: TelegramStandIn, library: Library
) -> None:
    database, database_url, log = await _setup(tmp_path, api, library)
    first = await _start_bot(api, database_url, log)
    await api.wait_for(lambda: sum(_delivered(api).values()) >= 300, timeout=60)
    asked = time.perf_counter()
    first.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(first.wait(), timeout=GRACE_SECONDS) == 0
    stopped_in = time.perf_counter() - asked
    at_stop = sum(_delivered(api).values())
    statuses = _statuses(database)
    print(f"\nSIGTERM after 300 sends: stopped in {stopped_in:.2f}s; ledger {statuses}")
    assert stopped_in < STOP_WITHIN < GRACE_SECONDS
    assert SENDING not in statuses  # nothing held: a restart (or another process) sends the rest
    assert statuses["sent"] == at_stop < CHATS  # every send that happened is marked
    assert "put back for the next start" in log.read_text(encoding="utf-8")

    counts = await _finish_after_restart(api, database_url, log)
    assert sorted(set(counts.values())) == [1]  # every chat once: nothing lost, nothing doubled


SENDING = "sending"
