"""Hardening: flood control per chat and per anonymous admin, bounded flood memory, the CPU one
/subscribe may take, owner commands kept out of groups, private file modes, and tracebacks and
warnings that must not leak the token."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import Settings
from bot.store import Store
from bot.store.backup import backup_sqlite
from content.catalog import Catalog
from entry.standin import TelegramStandIn
from handlers.flood import FloodGate
from tests.support.driver import BotDriver, driven_bot

ROOT = Path(__file__).resolve().parent.parent
GROUP, OTHER_GROUP, OWNER_ID = -700, -701, 42
GROUP_ANONYMOUS_BOT = 1087968824  # the sender Telegram shows for every anonymous admin
SLOW_DOWN = "你发送得太快了"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- flood control: the gate ---------------------------------------------------------------------


def test_a_chat_has_its_own_budget_beside_each_senders() -> None:
    clock = Clock()
    gate = FloodGate(burst=20, chat_burst=30, window=10, clock=clock)
    verdicts = [gate.admit(user, GROUP) for _ in range(15) for user in (7, 8)]
    assert verdicts == ["pass"] * 30
    assert gate.admit(7, GROUP) == "warn_chat"  # the chat's 31st: one polite answer
    assert gate.admit(9, GROUP) == "drop"  # then silence for everyone in that chat
    assert gate.admit(7, OTHER_GROUP) == "pass"  # other chats are not concerned
    assert gate.admit(7, 7) == "pass"
    clock.now += 10.5  # a window after the chat went over: a fresh budget
    assert gate.admit(9, GROUP) == "pass"


def test_updates_a_sender_budget_drops_do_not_count_against_the_chat() -> None:
    gate = FloodGate(burst=3, chat_burst=10, window=10, clock=Clock())
    flooder = [gate.admit(7, GROUP) for _ in range(50)]
    assert flooder[:4] == ["pass"] * 3 + ["warn"]
    assert set(flooder[4:]) == {"drop"}
    assert gate.admit(8, GROUP) == "pass"  # one flooder silences only themselves


def test_anonymous_admins_are_counted_per_group() -> None:
    gate = FloodGate(burst=3, window=10, clock=Clock())
    assert [gate.admit(GROUP_ANONYMOUS_BOT, GROUP) for _ in range(5)] == [
        "pass", "pass", "pass", "warn", "drop",
    ]  # fmt: skip
    assert gate.admit(GROUP_ANONYMOUS_BOT, OTHER_GROUP) == "pass"


def test_the_gate_forgets_idle_senders_and_chats() -> None:
    clock = Clock()
    gate = FloodGate(burst=1, window=10, clock=clock)
    for user in range(1, 2001):  # each floods (silenced), then is never heard of again
        assert [gate.admit(user, user) for _ in range(3)] == ["pass", "warn", "drop"]
        clock.now += 0.1
    # Remembered: what was active within the last window (~100 senders, ~100 chats), not 2000.
    assert gate.tracked() <= 2 * 110
    clock.now += 11
    gate.admit(1, 1)
    assert gate.tracked() == 2
    assert gate.admit(2000, 2000) == "pass"  # forgotten means forgiven, as before


def test_the_gate_memory_is_capped_and_cheap_with_many_users() -> None:
    gate = FloodGate(max_tracked=1000, clock=Clock())  # all at one instant: nobody is idle
    started = time.perf_counter()
    for user in range(100_000):
        gate.admit(user, user)
    elapsed = time.perf_counter() - started
    assert gate.tracked() <= 2 * 1000
    assert elapsed < 5.0, elapsed  # O(1) per update (about 0.3 s here)


# --- flood control: through the bot --------------------------------------------------------------


@pytest.fixture
def group(api: TelegramStandIn) -> int:
    for chat_id in (GROUP, OTHER_GROUP):
        api.chat(chat_id, "group", f"team {chat_id}")
    for user_id in (7, 8, 9):
        api.user(user_id, f"user{user_id}")
    return GROUP


async def test_two_members_spamming_help_cannot_keep_a_group_busy(
    settings: Settings, api: TelegramStandIn, group: int
) -> None:
    clock = Clock()
    async with driven_bot(settings, api, flood_gate=FloodGate(clock=clock)) as bot:
        last = 0
        for _ in range(25):
            for member in (7, 8):
                last = api.send_text("/help", chat_id=group, user_id=member)
        await bot.application.wait_processed(last)
        answers = [m.text for m in api.bot_messages(group)]
        # 30 answers (the chat's budget; the senders' 20 each would let 40 through), one note.
        assert len(answers) == 31
        assert len([t for t in answers if t.startswith(SLOW_DOWN)]) == 1
        assert await bot.say("/help", chat_id=group, user_id=9) == []  # the group rests
        [other] = await bot.say("/section 4", chat_id=OTHER_GROUP, user_id=9)
        assert other.text.startswith("四、")  # other groups do not
        clock.now += 11
        [answer] = await bot.say("/section 4", chat_id=group, user_id=9)
        assert answer.text.startswith("四、")


async def test_with_the_rate_limiter_a_private_chat_is_answered_beside_a_busy_group(
    settings: Settings, api: TelegramStandIn, group: int
) -> None:
    """AIORateLimiter on, as in production: two members send /help 16 times each, so the group's
    answers fill its 20-a-minute budget and the last ones wait in the limiter. A private chat
    asking meanwhile is answered at once: only the group's own sends wait."""
    limited = replace(settings, rate_limit=True)
    gate = FloodGate(burst=16, chat_burst=21)  # 21 answers and one note: two over the budget
    async with driven_bot(limited, api, flood_gate=gate) as bot:
        last = 0
        for _ in range(16):
            for member in (7, 8):
                last = api.send_text("/help", chat_id=group, user_id=member)
        await api.wait_for(lambda: len(api.bot_messages(group)) >= 20, timeout=10)
        asked = time.perf_counter()
        [card] = await bot.say("/section 4", chat_id=1001)
        waited = time.perf_counter() - asked
        assert card.text.startswith("四、")
        assert waited < 2.0, f"the private chat waited {waited:.2f}s behind the group"
        assert len(api.bot_messages(group)) < 22  # the group's last answers were still waiting
        await bot.application.wait_processed(last)
        assert len(api.bot_messages(group)) == 22  # and came, within the group's budget


async def test_one_groups_anonymous_admin_does_not_silence_anothers(
    settings: Settings, api: TelegramStandIn, group: int
) -> None:
    api.user(GROUP_ANONYMOUS_BOT, "Group")
    async with driven_bot(settings, api, flood_gate=FloodGate(burst=3)) as bot:
        for _ in range(5):
            await bot.say("/section 4", chat_id=group, user_id=GROUP_ANONYMOUS_BOT)
        assert len(api.bot_messages(group)) == 3
        [answer] = await bot.say("/section 4", chat_id=OTHER_GROUP, user_id=GROUP_ANONYMOUS_BOT)
        assert answer.text.startswith("四、")


async def test_button_taps_and_inline_queries_count_against_the_budget(
    settings: Settings, api: TelegramStandIn
) -> None:
    async with driven_bot(settings, api, flood_gate=FloodGate(burst=3)) as bot:
        [card] = await bot.say("/section 4")  # 1
        await bot.press(card, 0)  # 2
        await bot.press(card, 0)  # 3
        answered = len(api.callback_answers)
        await bot.press(card, 0)  # 4: over the budget, told once in an alert
        [alert] = api.callback_answers[answered:]
        assert alert.get("show_alert") is True
        assert alert["text"].startswith(SLOW_DOWN)
        await bot.press(card, 0)
        assert len(api.callback_answers) == answered + 1  # then silence

    async with driven_bot(settings, api, flood_gate=FloodGate(burst=3)) as bot:
        user = api.users[2002]
        for number in range(6):
            await bot.feed(
                {"inline_query": {"id": f"q{number}", "from": user, "query": "海牙", "offset": ""}}
            )
        assert len(api.inline_answers) == 3


# --- CPU per message -----------------------------------------------------------------------------


async def test_subscribe_with_many_unknown_names_suggests_for_the_first_few(
    bot: BotDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    suggest = Catalog.suggest

    def counted(self: Catalog, query: str, limit: int = 3) -> list[object]:
        calls.append(query)
        return list(suggest(self, query, limit))

    monkeypatch.setattr(Catalog, "suggest", counted)
    names = [f"hgx{chr(ord('a') + i // 26)}{chr(ord('a') + i % 26)}q" for i in range(30)]
    replies = await bot.say("/subscribe " + " ".join(names))
    text = "\n".join(reply.text for reply in replies)
    assert calls == names[:3]
    assert all(name in text for name in names)  # every name still gets its "not found" line


# --- owner commands ------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/stats", "/reload", "/broadcast hello"])
async def test_owner_commands_are_silent_in_groups_even_for_the_owner(
    bot: BotDriver, api: TelegramStandIn, group: int, command: str
) -> None:
    api.member_status(group, OWNER_ID, "administrator")
    assert await bot.say(command, chat_id=group, user_id=OWNER_ID) == []
    assert api.calls_of("sendPhoto") == []
    replies = await bot.say(command, chat_id=OWNER_ID)  # in private they work
    assert replies
    assert "我不认识" not in replies[0].text


# --- file modes ----------------------------------------------------------------------------------


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The usual umask, under which files are created readable by everyone."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_the_database_its_companions_and_folder_are_private(
    tmp_path: Path, open_umask: None
) -> None:
    path = tmp_path / "new" / "deeper" / "bot.sqlite3"
    store = Store(f"sqlite+aiosqlite:///{path}")
    try:
        await store.migrate()
        async with store.engine.begin() as connection:
            await connection.exec_driver_sql("CREATE TABLE probe (x)")
            await connection.exec_driver_sql("INSERT INTO probe VALUES (1)")
        companions = [path.with_name(path.name + s) for s in ("-wal", "-shm")]
        assert all(p.exists() for p in companions)  # the pool keeps a connection open
        for file in (path, *companions):
            assert _mode(file) == 0o600, file
        assert _mode(path.parent) == 0o700
        assert _mode(path.parent.parent) == 0o700
    finally:
        await store.close()


async def test_an_existing_database_is_narrowed_to_the_owner(
    tmp_path: Path, open_umask: None
) -> None:
    path = tmp_path / "old.sqlite3"
    sqlite3.connect(path).close()
    path.chmod(0o644)
    store = Store(f"sqlite+aiosqlite:///{path}")
    await store.close()
    assert _mode(path) == 0o600


def test_backups_are_private(tmp_path: Path, open_umask: None) -> None:
    source = tmp_path / "live.sqlite3"
    with sqlite3.connect(source) as connection:
        connection.execute("CREATE TABLE t (x)")
    connection.close()
    target = tmp_path / "backups" / "copy.sqlite3"
    backup_sqlite(f"sqlite+aiosqlite:///{source}", target)
    assert _mode(target) == 0o600
    assert _mode(target.parent) == 0o700
    target.chmod(0o644)  # a second backup replaces the first, private again
    backup_sqlite(f"sqlite+aiosqlite:///{source}", target)
    assert _mode(target) == 0o600


# --- the token in what Python prints itself ------------------------------------------------------


def test_warnings_and_uncaught_tracebacks_are_redacted(tmp_path: Path) -> None:
    token = "123456:LEAKY-secret-token-abcdefghijklmnop"
    script = textwrap.dedent(
        f"""
        import asyncio, threading, warnings
        from bot.logs import configure_logging
        TOKEN = {token!r}
        configure_logging("INFO", secrets=[TOKEN])
        warnings.warn("deprecated call to https://api.telegram.org/bot" + TOKEN + "/getMe")

        def in_thread():
            raise ValueError("thread failed on " + TOKEN)

        worker = threading.Thread(target=in_thread)
        worker.start()
        worker.join()

        async def main():
            loop = asyncio.get_running_loop()
            loop.call_exception_handler(
                {{"message": "task failed " + TOKEN, "exception": OSError("loop " + TOKEN)}}
            )

        asyncio.run(main())
        raise RuntimeError("failed on https://api.telegram.org/bot" + TOKEN + "/sendMessage")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert token not in output, output
    for telltale in ("UserWarning", "ValueError", "OSError", "RuntimeError"):
        assert telltale in output, output
    assert output.count("[REDACTED]") >= 4, output
