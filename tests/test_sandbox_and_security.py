"""The console sandbox as a new user meets it, the one way in, and the token kept out of logs."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.logs import REDACTED, configure_logging, protect_secrets
from entry.standin import TelegramStandIn
from tests.support.driver import BotDriver

ROOT = Path(__file__).resolve().parent.parent


def _run_bot(tmp_path: Path, stdin: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "DATABASE_URL"}}
    clean.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'sandbox.sqlite3'}", **env})
    return subprocess.run(
        [sys.executable, str(ROOT / "run_bot.py")],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=clean,
    )


def test_piped_sandbox_answers_then_exits(tmp_path: Path) -> None:
    result = _run_bot(tmp_path, "/section 4\n#1\n#3\n/section 99\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Sandbox:")
    assert "BOT_TOKEN" in lines[0]
    out = result.stdout
    assert "bot › 四、建设一流专利商标审查机构，全面打赢审查提质增效攻坚战。" in out
    assert "[1] 📄 全文" in out
    assert "[4] 五 ›" in out
    assert "第四部分 · 全文" in out  # #1 pressed "Full text"
    assert "探索全面推行专利电子证书。" in out
    assert "bot › 五、完善市场化运行机制" in out  # #3 pressed "next ›" under the full text
    assert "没有第 99 部分" in out
    assert "Traceback" not in result.stderr


def test_a_malformed_token_stops_the_start_with_one_line(tmp_path: Path) -> None:
    secret = "12345:this-is-not-right"
    result = _run_bot(tmp_path, "", BOT_TOKEN=secret)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith("configuration error: BOT_TOKEN")
    assert secret not in result.stderr + result.stdout


def test_the_token_never_reaches_a_log_record(
    caplog: pytest.LogCaptureFixture, api: TelegramStandIn
) -> None:
    configure_logging("DEBUG", secrets=[api.token])
    try:
        logging.getLogger("some.module").debug("calling %s/getMe", api.base_url + api.token)
        try:
            raise RuntimeError(f"failed on https://x/bot{api.token}/sendMessage")
        except RuntimeError:
            logging.getLogger("x").exception("boom")
        messages = [r.getMessage() + (r.exc_text or "") for r in caplog.records]
        assert all(api.token not in m for m in messages)
        assert sum(REDACTED in m for m in messages) >= 2
        assert logging.getLogger("httpx").level == logging.WARNING
    finally:
        protect_secrets([])
        logging.getLogger().setLevel(logging.WARNING)


async def test_a_whole_session_at_debug_logs_no_token(
    caplog: pytest.LogCaptureFixture, bot: BotDriver, api: TelegramStandIn
) -> None:
    protect_secrets([api.token])
    caplog.set_level(logging.DEBUG)
    try:
        api.fail("sendMessage", 502, "Bad Gateway")
        await bot.say("/section 4")
        [card] = await bot.say("/section 4")
        await bot.press(card, 0)
        await bot.say("/sections")
        records = caplog.records
        assert any(r.name.startswith("telegram") for r in records)
        for record in records:
            assert api.token not in record.getMessage()
            assert api.token not in (record.exc_text or "")
    finally:
        protect_secrets([])


async def test_with_a_token_run_bot_polls_the_configured_api(
    tmp_path: Path, api: TelegramStandIn
) -> None:
    """The production path: run_polling in its own process, against TELEGRAM_BASE_URL."""
    import asyncio
    import signal

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        BOT_TOKEN=api.token,
        TELEGRAM_BASE_URL=api.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'polling.sqlite3'}",
        LOG_LEVEL="DEBUG",
    )
    log_path = tmp_path / "stderr.log"
    with log_path.open("wb") as log_file:  # a file, not a pipe: DEBUG output must never block
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "run_bot.py"),
            env=env,
            cwd=tmp_path,
            stdout=log_file,
            stderr=log_file,
        )
    try:
        await api.wait_for(lambda: api.calls_of("setMyCommands"), timeout=60)
        api.send_text("/section 4", chat_id=1001)
        [card] = await api.wait_for_messages(1001, 1, timeout=30)
        assert card.text.startswith("四、建设一流专利商标审查机构")
    finally:
        api.release_polls()
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.wait(), timeout=30)
    assert process.returncode == 0
    log = log_path.read_text(encoding="utf-8")
    assert "getUpdates" in log  # DEBUG logging was on, and still:
    assert api.token not in log
