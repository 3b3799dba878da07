"""Operations: Telegram unreachable at start is waited out (polling and webhook), an invalid token
still stops with one line, slow clients are dropped, /healthz is cached, logs a change of state
once and reports the database and Telegram, and the container files hold what README promises."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import re
import socket
import sys
import time
import tomllib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import event

from bot.config import Settings
from entry.application import build_application
from entry.lifecycle import Backoff, until_telegram_answers
from entry.polling import run_polling
from entry.standin import TelegramStandIn
from entry.webhook import Health, Probe, app_runner, run_webhook, serving, webhook_app

ROOT = Path(__file__).resolve().parent.parent
SECRET = "s3cret-webhook_token"
FAST = Backoff(first=0.02, cap=0.1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def serving_task(
    run: Callable[[Callable[[], Awaitable[object]]], Coroutine[Any, Any, None]],
) -> AsyncIterator[asyncio.Task[None]]:
    """`run(until)` as a task, stopped (until returns) at the end of the block."""
    stop = asyncio.Event()
    task = asyncio.create_task(run(stop.wait))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


def retry_lines(caplog: pytest.LogCaptureFixture, what: str) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records if r.getMessage().startswith(f"Telegram does not answer {what}")
    ]


def test_backoff_doubles_from_one_second_up_to_a_minute() -> None:
    delays = Backoff().delays()
    assert [next(delays) for _ in range(9)] == [1, 2, 4, 8, 16, 32, 60, 60, 60]


async def test_polling_waits_for_telegram_then_serves(
    settings: Settings, api: TelegramStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    api.fail("getMe", status=502, times=3)
    api.fail("deleteWebhook", status=502, times=2)
    application: Any = build_application(settings, base_url=api.base_url)
    started = time.monotonic()
    async with serving_task(
        lambda until: run_polling(settings, application, backoff=FAST, until=until)
    ):
        await api.wait_for(lambda: api.calls_of("getUpdates"), timeout=10)
        api.send_text("/section 4", chat_id=1001)
        [card] = await api.wait_for_messages(1001, 1, timeout=10)
        assert card.text.startswith("四、建设一流专利商标审查机构")
        api.release_polls()
    assert time.monotonic() - started < 2 + 1  # the waits were short; the long poll was let go
    assert len(api.calls_of("getMe")) >= 4
    lines = retry_lines(caplog, "getMe")
    assert [r.getMessage().split("(attempt ")[1][:1] for r in lines] == ["1", "2", "3"]
    assert "trying again in 0.02 s" in lines[0].getMessage()
    assert "trying again in 0.04 s" in lines[1].getMessage()
    assert len(retry_lines(caplog, "deleteWebhook")) == 2
    assert all(r.exc_info is None and r.levelno == logging.WARNING for r in lines)
    assert all("\n" not in r.getMessage() for r in lines)


async def test_webhook_mode_waits_for_a_refusing_then_failing_telegram(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Nothing listens at first (connection refused), then getMe answers 502, then setWebhook
    fails twice: the bot keeps trying and serves as soon as all of them answer."""
    caplog.set_level(logging.INFO)
    api_port, hook_port = free_port(), free_port()
    api = TelegramStandIn(token=settings.bot_token or "", port=api_port)
    api.fail("getMe", status=502, times=2)
    api.fail("setWebhook", status=500, times=2)
    hooked = dataclasses.replace(
        settings, webhook_url=f"http://127.0.0.1:{hook_port}/tg", webhook_secret=SECRET,
        webhook_listen="127.0.0.1", webhook_port=hook_port,
    )  # fmt: skip
    application: Any = build_application(
        hooked, base_url=f"http://127.0.0.1:{api_port}/bot", updater=False
    )
    async with serving_task(
        lambda until: run_webhook(hooked, application, backoff=FAST, until=until)
    ):
        await asyncio.sleep(0.3)  # refused a few times
        refused = retry_lines(caplog, "getMe")
        assert refused, "the bot gave up instead of waiting for Telegram"
        await api.start()
        try:
            await api.wait_for(
                lambda: api.calls_of("setWebhook") and api.calls_of("setWebhook")[-1].status == 200
            )
            async with aiohttp.ClientSession() as session:
                for _ in range(100):
                    try:
                        async with session.get(f"http://127.0.0.1:{hook_port}/healthz") as response:
                            assert response.status == 200
                            break
                    except aiohttp.ClientConnectionError:
                        await asyncio.sleep(0.05)
                else:
                    raise AssertionError("the webhook server never served")
        finally:
            await api.stop()
    assert len(retry_lines(caplog, "setWebhook")) == 2
    assert len(retry_lines(caplog, "getMe")) >= len(refused) + 2
    assert all(r.exc_info is None for r in caplog.records if r.levelno >= logging.WARNING)


async def test_an_unreachable_telegram_is_not_confused_with_a_refusal() -> None:
    from telegram.error import BadRequest, InvalidToken, NetworkError

    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise NetworkError("httpx.ConnectError: [Errno 111] Connection refused")
        return "me"

    assert await until_telegram_answers(flaky, "getMe", FAST) == "me"
    for refusal in (InvalidToken("Unauthorized"), BadRequest("Bad Request: bad webhook")):

        async def refused(exc: Exception = refusal) -> None:
            raise exc

        with pytest.raises(type(refusal)):
            await until_telegram_answers(refused, "setWebhook", FAST)


async def test_an_invalid_token_still_stops_at_once_with_one_line(
    api: TelegramStandIn, tmp_path: Path
) -> None:
    wrong = "987654:WRONG-token-the-stand-in-refuses"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBHOOK_", "HEALTH_"))}
    env.update(
        BOT_TOKEN=wrong, TELEGRAM_BASE_URL=api.base_url, RATE_LIMIT="off",
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}",
    )  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "run_bot.py"), env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 1
    lines = stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("start-up error:")
    assert wrong not in lines[0]
    assert "Traceback" not in stderr.decode()


# --- slow clients ------------------------------------------------------------------------------


@asynccontextmanager
async def hook_server(
    settings: Settings, api: TelegramStandIn, timeout: float
) -> AsyncIterator[int]:
    application: Any = build_application(settings, base_url=api.base_url, updater=False)
    port = free_port()
    app = webhook_app(application, SECRET, "/tg", client_timeout=timeout)
    async with serving(app_runner(app, client_timeout=timeout), "127.0.0.1", port):
        yield port


async def _trickle(port: int, data: bytes, every: float, limit: float) -> tuple[bytes, float]:
    """Send `data` one byte per `every` seconds; what the server answered and when it closed."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()
    answer = b""
    try:
        for byte in data:
            if reader.at_eof():
                break
            writer.write(bytes([byte]))
            try:
                await writer.drain()
                chunk = await asyncio.wait_for(reader.read(4096), every)
            except TimeoutError:
                continue
            except ConnectionError:
                break
            answer += chunk
            if not chunk:
                break
            if time.monotonic() - started > limit:
                break
        else:
            answer += await asyncio.wait_for(reader.read(4096), limit)
    finally:
        writer.close()
    return answer, time.monotonic() - started


async def test_a_client_trickling_its_headers_is_dropped(
    settings: Settings, api: TelegramStandIn
) -> None:
    headers = b"POST /tg HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 60 + b"\r\n\r\n"
    async with hook_server(settings, api, timeout=1.0) as port:
        answer, took = await _trickle(port, headers, every=1.0, limit=5)
    assert answer == b""  # closed without a word
    assert took < 3.0  # 1 s after connecting, not after the 70 bytes (70 s)


async def test_a_client_trickling_its_body_is_dropped(
    settings: Settings, api: TelegramStandIn
) -> None:
    body = json.dumps({"update_id": 1}).encode()
    head = (
        f"POST /tg HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    async with hook_server(settings, api, timeout=1.0) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(head)
        started = time.monotonic()
        for byte in body[:5]:
            writer.write(bytes([byte]))
            await asyncio.sleep(0.3)
        answer = await asyncio.wait_for(reader.read(4096), 5)
        writer.close()
    assert answer.startswith(b"HTTP/1.1 408")
    assert time.monotonic() - started < 3.0


# --- /healthz ----------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@asynccontextmanager
async def started_bot(settings: Settings, api: TelegramStandIn) -> AsyncIterator[Any]:
    from entry.lifecycle import running

    application: Any = build_application(settings, base_url=api.base_url, updater=False)
    async with running(application, poll=False, backoff=FAST):
        yield application


async def test_healthz_queries_the_database_once_per_two_seconds(
    settings: Settings, api: TelegramStandIn
) -> None:
    async with started_bot(settings, api) as application:
        engine = application.bot_data.services.store.engine.sync_engine
        statements: list[str] = []

        def count(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            clock = Clock()
            health = Health(application, clock=clock)
            answers = await asyncio.gather(*(health.answer() for _ in range(50)))
            for _ in range(50):
                answers.append(await health.answer())
                clock.now += 0.03  # 1.5 s in all
            assert statements.count("SELECT 1") == 1
            clock.now += 0.6
            await health.answer()
            assert statements.count("SELECT 1") == 2
        finally:
            event.remove(engine, "before_cursor_execute", count)
    status, body = answers[0]
    assert status == 200
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["telegram"]["ok"] is True


async def test_healthz_logs_each_change_of_state_once_and_reports_telegram(
    settings: Settings, api: TelegramStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="entry.webhook")
    async with started_bot(settings, api) as application:
        clock = Clock()
        health = Health(application, clock=clock)
        real_check = health._check_database

        async def broken(now: float) -> Probe:
            return Probe(False, "OperationalError: unable to open database file", now)

        health._check_database = broken  # type: ignore[method-assign]
        api.fail("getMe", status=502, times=10**6)
        getme_before = len(api.calls_of("getMe"))
        for _ in range(10):
            clock.now += 2.5
            status, body = await health.answer()
            assert status == 503
        assert body["status"] == "down"
        assert body["database"]["ok"] is False
        # 25 s: no getMe probe yet (at most one per 30 s)
        assert len(api.calls_of("getMe")) == getme_before
        for _ in range(10):
            clock.now += 31
            status, body = await health.answer()
        assert len(api.calls_of("getMe")) == getme_before + 10
        assert body["telegram"]["ok"] is False
        health._check_database = real_check  # type: ignore[method-assign]
        api.faults.clear()
        for _ in range(5):
            clock.now += 31
            status, body = await health.answer()
        assert (status, body["status"]) == (200, "ok")
    messages = [r.getMessage() for r in caplog.records if r.name == "entry.webhook"]
    assert messages == [
        "health: the database does not answer: OperationalError: unable to open database file",
        "health: Telegram does not answer: NetworkError: Bad Gateway",
        "health: the database answers again",
        "health: Telegram answers again",
    ]


async def test_polling_serves_healthz_as_json_on_health_port(
    settings: Settings, api: TelegramStandIn
) -> None:
    port = free_port()
    polled = dataclasses.replace(settings, health_port=port, webhook_listen="127.0.0.1")
    application: Any = build_application(polled, base_url=api.base_url)
    async with serving_task(
        lambda until: run_polling(polled, application, backoff=FAST, until=until)
    ):
        await api.wait_for(lambda: api.calls_of("getUpdates"), timeout=10)
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/healthz") as response,
        ):
            assert response.status == 200
            body = await response.json()
        # The image's HEALTHCHECK, run as Docker runs it (polling: HEALTH_PORT).
        code = _healthcheck_code()
        env = {k: v for k, v in os.environ.items() if not k.startswith("WEBHOOK_")}
        ok = await asyncio.create_subprocess_exec(
            sys.executable, "-c", code, env={**env, "HEALTH_PORT": str(port)}
        )
        assert await ok.wait() == 0
        bad = await asyncio.create_subprocess_exec(
            sys.executable, "-c", code, env={**env, "HEALTH_PORT": str(free_port())}
        )
        assert await bad.wait() == 1
        api.release_polls()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "detail": "answers"}
    assert body["telegram"]["ok"] is True


# --- container files ---------------------------------------------------------------------------


def _healthcheck_code() -> str:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    [line] = [line for line in dockerfile.splitlines() if line.startswith("HEALTHCHECK")]
    command = json.loads(line.split(" CMD ", 1)[1].strip())
    assert command[:2] == ["python", "-c"]
    return str(command[2])


def test_the_container_files_hold_what_production_needs() -> None:
    code = _healthcheck_code()
    for fragment in ("/healthz", "HEALTH_PORT", "WEBHOOK_PORT", "urllib"):
        assert fragment in code
    assert "curl" not in code
    compose = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    assert re.search(r'^\s*- "127\.0\.0\.1:8080:8080"', compose, re.M)
    assert not re.search(r'^\s*- "?8080:8080', compose, re.M)
    assert "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}" in compose
    assert "POSTGRES_PASSWORD: briefing" not in compose
    assert "briefing:briefing@" not in compose
    assert re.search(r"max-size: \"?\d+m", compose)
    assert re.search(r"max-file: \"?\d+", compose)
    assert compose.count("logging: *logging") == 2
    assert "stop_grace_period: 60s" in compose


def test_what_we_ship_is_pinned_in_the_constraints_file() -> None:
    """A build next month installs the versions the tests passed with: every dependency the
    project names (run and dev) is pinned with == in constraints.txt, and the Dockerfile and the
    Makefile (make run / make test, hence .ci/run) install with it."""
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"not pinned: {line}"
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    named = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    for requirement in named:
        name = re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0]
        assert re.sub(r"[-_.]+", "-", name).lower() in pins, f"{name} is not in constraints.txt"
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "COPY pyproject.toml README.md constraints.txt" in dockerfile
    assert "pip install -c constraints.txt ." in dockerfile
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert makefile.count("pip install --quiet -c constraints.txt -e") == 2
