"""The console sandbox's switches (/as group, /as user N, /as owner, /as me), the pictures it
saves, its own database and --reset-sandbox."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from bot.config import DEFAULT_DATABASE_URL, Settings
from entry.console import (
    SANDBOX_DATABASE_URL,
    SANDBOX_OWNER_ID,
    run_console,
    sandbox_settings,
)

ROOT = Path(__file__).resolve().parent.parent


async def _console(settings: Settings, lines: str) -> str:
    out = io.StringIO()
    await run_console(replace(settings, bot_token=None), io.StringIO(lines), out)
    return out.getvalue()


async def test_the_owner_gets_stats_and_the_chart_is_saved_as_a_png(
    settings: Settings, tmp_path: Path
) -> None:
    out = await _console(replace(settings, owner_ids=frozenset()), "/as owner\n/stats\n")
    assert f"user {SANDBOX_OWNER_ID}" in out
    assert "owner › /stats" in out
    assert "bot [owner] › 运行统计" in out
    assert "bot [owner] (picture) ›" in out
    match = re.search(r"picture saved: (\S+\.png)", out)
    assert match, out
    picture = Path(match.group(1))
    assert picture.parent == (tmp_path / "sandbox-pictures").resolve()
    with picture.open("rb") as png:  # noqa: ASYNC230 - a test, after the bot has stopped
        assert png.read(8) == b"\x89PNG\r\n\x1a\n"


async def test_owner_ids_name_the_owner(settings: Settings) -> None:
    out = await _console(replace(settings, owner_ids=frozenset({77, 42})), "/as owner\n/stats\n")
    assert "user 42" in out
    assert "bot [owner] › 运行统计" in out


async def test_switching_between_a_group_another_user_and_me(settings: Settings) -> None:
    out = await _console(
        settings,
        "/as group\n/sections\n#5\n/as user 2002 en\n/help\n#1\n/as me\n/section 4\n#1\n/as x\n",
    )
    # The bot is added to the group and greets it; you speak there as its admin.
    assert "bot [group] › 你好！" in out
    assert "you in the group › /sections" in out
    assert "bot [group] (edited) › 四、建设一流专利商标审查机构" in out  # #5 in the group
    # Another user, with an English client, in their own chat; #1 finds no button there.
    assert "user 2002 › /help" in out
    assert "bot [user 2002] › Commands" in out
    assert "(no button #1" in out
    # Back to your own chat: untagged, as before.
    assert "you › /section 4" in out
    assert "bot › 四、建设一流专利商标审查机构" in out
    assert "bot › 第四部分 · 全文" in out
    assert "/as group · /as user N [en] · /as owner · /as me" in out  # /as x: the usage


def test_the_sandbox_keeps_its_own_database() -> None:
    settings = sandbox_settings(Settings())
    assert settings.database_url == SANDBOX_DATABASE_URL != DEFAULT_DATABASE_URL
    assert settings.owner_ids == {SANDBOX_OWNER_ID}
    assert not settings.rate_limit
    named = sandbox_settings(Settings(database_url="sqlite+aiosqlite:///x.sqlite3"))
    assert named.database_url == "sqlite+aiosqlite:///x.sqlite3"


def _run_bot(cwd: Path, stdin: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "DATABASE_URL", "OWNER_IDS"}
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, str(ROOT / "run_bot.py"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=clean,
    )


def test_reset_sandbox_starts_afresh(tmp_path: Path) -> None:
    first = _run_bot(tmp_path, "/subscribe 海牙\n/mysubs\n")
    assert first.returncode == 0, first.stderr
    assert "海牙协定" in first.stdout.split("you › /mysubs", 1)[1]
    assert (tmp_path / "data" / "sandbox.sqlite3").exists()
    assert not (tmp_path / "data" / "briefing.sqlite3").exists()  # never the bot's real one

    again = _run_bot(tmp_path, "/mysubs\n")
    assert "海牙协定" in again.stdout.split("you › /mysubs", 1)[1]  # kept between runs

    reset = _run_bot(tmp_path, "/mysubs\n", "--reset-sandbox")
    assert reset.returncode == 0, reset.stderr
    assert reset.stdout.startswith("Sandbox reset: data/sandbox.sqlite3")
    assert "本聊天还没有订阅" in reset.stdout


def test_reset_sandbox_never_deletes_a_database_it_was_given(tmp_path: Path) -> None:
    database = tmp_path / "mine.sqlite3"
    database.write_bytes(b"precious")
    refused = _run_bot(tmp_path, "", "--reset-sandbox", DATABASE_URL=f"sqlite:///{database}")
    assert refused.returncode == 2
    assert refused.stderr.startswith("--reset-sandbox:")
    assert database.read_bytes() == b"precious"
    with_token = _run_bot(
        tmp_path, "", "--reset-sandbox", BOT_TOKEN="123456:TEST-secret-token-abcdefghijklmnop"
    )
    assert with_token.returncode == 2
    assert "only for the console sandbox" in with_token.stderr
