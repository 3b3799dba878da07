"""Reliability and abuse: a flooder, a locked or full database, kill -9 during a re-import, the
online backup, and start-up failures that must read as one line."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from bot.config import Settings
from bot.store import database
from bot.store.backup import backup_sqlite
from entry.standin import TelegramStandIn
from handlers.flood import FloodGate
from tests.support.driver import BotDriver, driven_bot

ROOT = Path(__file__).resolve().parent.parent
FLOODER, OTHER = 1001, 2002
KIND_ANSWER = "抱歉，处理你的消息时出了点问题。我已记录下来，请稍后再试。"


@pytest.fixture
async def guarded(settings: Settings, api: TelegramStandIn) -> AsyncIterator[BotDriver]:
    """The bot with its real flood control (the other tests run without it)."""
    async with driven_bot(settings, api, flood_gate=FloodGate()) as driver:
        yield driver


async def _latency(bot: BotDriver, chat_id: int) -> float:
    started = time.perf_counter()
    await bot.say("/section 2", chat_id=chat_id)
    return time.perf_counter() - started


async def test_a_flooder_is_told_once_and_does_not_slow_others(
    guarded: BotDriver, api: TelegramStandIn
) -> None:
    bot = guarded

    async def flood(flooder: int) -> None:  # 100 commands a second for two seconds
        for _ in range(200):
            api.send_text("/section 4", chat_id=flooder)
            await asyncio.sleep(0.01)

    # Timing on a shared machine is noisy: the best of three rounds must meet the bound.
    slowdowns = []
    for flooder in (FLOODER, FLOODER + 1, FLOODER + 2):
        baseline = [await _latency(bot, OTHER) for _ in range(15)]
        flooding = asyncio.create_task(flood(flooder))
        await asyncio.sleep(0.5)  # past the flooder's first burst
        during = [await _latency(bot, OTHER) for _ in range(15)]
        await flooding
        await bot.say("/help", chat_id=OTHER)  # everything queued before it has been handled
        answers = [m.text for m in api.bot_messages(flooder)]
        assert len([t for t in answers if t.startswith("你发送得太快了")]) == 1
        assert len(answers) == 21  # the burst of 20, one warning, then silence
        slowdowns.append(statistics.median(during) / statistics.median(baseline))
    print(f"\nflood: other chat's answers slowed {min(slowdowns):.2f}× (best of "
          f"{', '.join(f'{s:.2f}' for s in slowdowns)})")  # fmt: skip
    assert min(slowdowns) <= 2.0


def test_the_gate_forgives_after_a_quiet_window() -> None:
    now = [0.0]
    gate = FloodGate(burst=3, window=10, clock=lambda: now[0])
    assert [gate.admit(1) for _ in range(5)] == ["pass", "pass", "pass", "warn", "drop"]
    now[0] = 5
    assert gate.admit(1) == "drop"  # still flooding: the silence extends
    now[0] = 16
    assert gate.admit(1) == "pass"
    assert gate.admit(2) == "pass"


async def test_a_locked_database_delays_then_answers_and_loses_nothing(
    bot: BotDriver, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await bot.say("/subscribe 海牙")
    path = settings.database_url.split("///", 1)[1]
    blocker = sqlite3.connect(path, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")  # another writer holds the database

    async def release() -> None:
        await asyncio.sleep(1.5)
        blocker.rollback()

    releasing = asyncio.create_task(release())
    started = time.perf_counter()
    [answer] = await bot.say("/mysubs")  # waits on busy_timeout, then goes through
    await releasing
    blocker.close()
    assert time.perf_counter() - started >= 1.4
    assert "海牙协定" in answer.text


async def test_a_lock_held_past_busy_timeout_gets_a_kind_answer_then_recovers(
    bot: BotDriver, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.say("/subscribe 海牙")
    store = bot.application.bot_data.services.store

    @event.listens_for(store.engine.sync_engine, "connect")
    def short_timeout(connection: Any, _: Any) -> None:
        connection.cursor().execute("PRAGMA busy_timeout=300")

    await store.engine.dispose()
    path = settings.database_url.split("///", 1)[1]
    blocker = sqlite3.connect(path, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")
    [answer] = await bot.say("/subscribe GI")
    assert answer.text == KIND_ANSWER
    assert any("database is locked" in (r.exc_text or "") for r in caplog.records)
    blocker.rollback()
    blocker.close()
    [mine] = await bot.say("/mysubs")
    assert "海牙协定" in mine.text
    [again] = await bot.say("/subscribe GI")
    assert again.text.startswith("✅")


async def test_a_full_disk_refuses_writes_kindly_and_loses_nothing(
    bot: BotDriver, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.say("/subscribe 海牙")
    store = bot.application.bot_data.services.store
    probe = sqlite3.connect(settings.database_url.split("///", 1)[1])
    pages = probe.execute("PRAGMA page_count").fetchone()[0]
    probe.close()

    def full(connection: Any, _: Any) -> None:  # the file may not grow: "database or disk is full"
        connection.cursor().execute(f"PRAGMA max_page_count={pages}")

    event.listen(store.engine.sync_engine, "connect", full)
    await store.engine.dispose()
    replies = []
    for n in range(500):  # new chats fill the last free pages, then hit the wall
        replies += await bot.say("/subscribe 海牙 地理标志 商标 专利审查", chat_id=5000 + n)
        if any(r.text == KIND_ANSWER for r in replies):
            break
    assert any(r.text == KIND_ANSWER for r in replies)
    assert any("full" in (r.exc_text or "") for r in caplog.records)
    event.remove(store.engine.sync_engine, "connect", full)
    await store.engine.dispose()
    [mine] = await bot.say("/mysubs")
    assert "海牙协定" in mine.text


async def test_the_backup_is_a_consistent_copy_of_the_live_database(
    bot: BotDriver, settings: Settings, tmp_path: Path
) -> None:
    await bot.say("/subscribe 海牙 GI")
    target = tmp_path / "backups" / "copy.sqlite3"
    env = dict(os.environ, DATABASE_URL=settings.database_url)
    env.pop("BOT_TOKEN", None)
    result = await asyncio.to_thread(  # the bot keeps running while the copy is taken
        subprocess.run,
        [sys.executable, str(ROOT / "run_bot.py"), "backup", str(target)],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"backup written to {target}")
    copy = sqlite3.connect(target)
    values = {row[0] for row in copy.execute("SELECT value FROM subscriptions")}
    passages = copy.execute("SELECT count(*) FROM passages").fetchone()[0]
    copy.close()
    assert values == {"hague", "gi"}
    assert passages == 97


def test_backup_refuses_what_it_cannot_copy(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="pg_dump"):
        backup_sqlite("postgresql+asyncpg://u:p@h/db", tmp_path / "x")
    with pytest.raises(RuntimeError, match="no SQLite database"):
        backup_sqlite(f"sqlite+aiosqlite:///{tmp_path / 'missing.db'}", tmp_path / "x")


_IMPORTER = """
import asyncio, sys
from dataclasses import replace
from bot.store import Store
from bot.store.content_import import sync_content
from content.library import load_library

async def main():
    store = Store(sys.argv[1])
    await store.migrate()
    library = load_library()
    round = 0
    while True:  # re-import for ever, each time under a new hash
        round += 1
        await sync_content(store, replace(library, content_hash=f"hash-{round}"))
        print(round, flush=True)

asyncio.run(main())
"""


def test_kill_9_during_content_reimport_leaves_whole_content(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'import.sqlite3'}"
    for delay in (0.0, 0.013, 0.029, 0.047, 0.071, 0.1):
        process = subprocess.Popen(
            [sys.executable, "-c", _IMPORTER, url], cwd=ROOT, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        assert process.stdout is not None
        process.stdout.readline()  # one import is done: the next one is under way
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        db = sqlite3.connect(tmp_path / "import.sqlite3")
        counts = db.execute(
            "SELECT (SELECT count(*) FROM passages), (SELECT count(*) FROM sections),"
            " (SELECT count(*) FROM topics)"
        ).fetchone()
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        db.close()
        assert counts == (97, 9, 34), (delay, counts)


def test_a_database_that_cannot_be_opened_stops_with_one_line(tmp_path: Path) -> None:
    env = dict(os.environ, DATABASE_URL="sqlite:////proc/no/such/dir/bot.sqlite3")
    env.pop("BOT_TOKEN", None)
    result = subprocess.run(
        [sys.executable, str(ROOT / "run_bot.py")], input="", capture_output=True, text=True,
        env=env, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith("start-up error:")
    assert result.stderr.strip().count("\n") == 0
    assert "Traceback" not in result.stderr


def test_sqlite_busy_timeout_is_ten_seconds() -> None:
    assert database.SQLITE_BUSY_TIMEOUT_MS == 10_000
