"""Webhook mode in its own process: setWebhook with the secret, updates posted to the local
webhook (refused without the secret header), /healthz; and two processes on one PostgreSQL
database running the same day's push, every chat getting exactly one briefing."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from bot.clock import format_time_of_day
from bot.store import Store
from bot.store.content_import import sync_content
from content.library import Library
from entry.standin import TelegramStandIn
from entry.webhook import HEALTH_CACHE_FOR
from tests.conftest import POSTGRES_URL, fresh_postgres_database

ROOT = Path(__file__).resolve().parent.parent
SECRET = "s3cret-webhook_token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def webhook_bot(
    api: TelegramStandIn, database_url: str, log: Path, **extra: str
) -> AsyncIterator[tuple[asyncio.subprocess.Process, str]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBHOOK_", "LOG_LEVEL"))}
    env.update(
        BOT_TOKEN=api.token, TELEGRAM_BASE_URL=api.base_url, DATABASE_URL=database_url,
        RATE_LIMIT="off", WEBHOOK_URL=f"http://127.0.0.1:{port}/tg", WEBHOOK_SECRET=SECRET,
        WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port), **extra,
    )  # fmt: skip
    with log.open("ab") as handle:
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(ROOT / "run_bot.py"), env=env, stdout=handle, stderr=handle
        )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(300):  # until it serves
                try:
                    async with session.get(f"{base}/healthz") as response:
                        if response.status in (200, 503):
                            break
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.1)
        yield process, base
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), timeout=30)


def update_json(text: str, update_id: int = 1) -> dict[str, object]:
    user = {"id": 1001, "is_bot": False, "first_name": "Li", "language_code": "zh-hans"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id, "date": 0, "chat": {"id": 1001, "type": "private"},
            "from": user, "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }  # fmt: skip


async def test_webhook_mode_registers_serves_and_refuses_strangers(
    api: TelegramStandIn, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'hook.sqlite3'}"
    api.chat(1001)  # the chat the posted update comes from
    async with webhook_bot(api, url, tmp_path / "bot.log") as (process, base):
        [registration] = api.calls_of("setWebhook")
        assert registration.params["url"].endswith("/tg")
        assert registration.params["secret_token"] == SECRET
        assert api.calls_of("getUpdates") == []  # no polling in webhook mode
        async with aiohttp.ClientSession() as session:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                async with session.post(
                    f"{base}/tg", json=update_json("/section 4"), headers=headers
                ) as response:
                    assert response.status == 403
            async with session.post(
                f"{base}/tg", json=update_json("/section 4", 2),
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            ) as response:  # fmt: skip
                assert response.status == 200
            async with session.get(f"{base}/healthz") as response:
                assert response.status == 200
                health = await response.json()
                assert health["status"] == "ok"
                assert health["database"]["ok"] is True
                assert health["telegram"]["ok"] is True
            async with session.post(
                f"{base}/tg", data=b"nonsense",
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            ) as response:  # fmt: skip
                assert response.status == 400
        [card] = await api.wait_for_messages(1001, 1)
        assert card.text.startswith("四、建设一流专利商标审查机构")
        await asyncio.sleep(0.3)
        assert len(api.bot_messages(1001)) == 1  # the refused posts changed nothing
    assert process.returncode == 0
    log = (tmp_path / "bot.log").read_text(encoding="utf-8")
    assert SECRET not in log
    assert api.token not in log


async def test_a_webhook_without_its_secret_stops_with_one_line(
    api: TelegramStandIn, tmp_path: Path
) -> None:
    env = dict(os.environ, BOT_TOKEN=api.token, WEBHOOK_URL="https://bot.example.org/tg")
    env.pop("WEBHOOK_SECRET", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "run_bot.py"), env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await process.communicate()
    assert process.returncode == 2
    assert stderr.decode().strip() == (
        "configuration error: WEBHOOK_SECRET is required with WEBHOOK_URL "
        "(16–256 of A-Z a-z 0-9 _ -)"
    )


needs_postgres = pytest.mark.skipif(
    not POSTGRES_URL, reason="PostgreSQL: TEST_POSTGRES_URL is not set (.ci/run sets it)"
)


@needs_postgres
async def test_healthz_answers_503_when_the_database_is_gone(
    api: TelegramStandIn, tmp_path: Path
) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    async with (
        fresh_postgres_database(POSTGRES_URL) as url,
        webhook_bot(api, url, tmp_path / "bot.log") as (_, base),
        aiohttp.ClientSession() as session,
    ):
        async with session.get(f"{base}/healthz") as response:
            assert response.status == 200
        admin = make_url(POSTGRES_URL).set(drivername="postgresql")
        connection = await asyncpg.connect(admin.render_as_string(hide_password=False))
        await connection.execute(f'DROP DATABASE "{make_url(url).database}" WITH (FORCE)')
        await connection.close()
        # /healthz answers from a cache of HEALTH_CACHE_FOR seconds: the loss shows after it.
        statuses = []
        for _ in range(20):
            async with session.get(f"{base}/healthz") as response:
                statuses.append(response.status)
            if statuses[-1] == 503:
                break
            await asyncio.sleep(0.25)
        assert statuses[-1] == 503, statuses
        assert len(statuses) <= HEALTH_CACHE_FOR / 0.25 + 2


async def _fill(database_url: str, library: Library, api: TelegramStandIn, count: int) -> None:
    store = Store(database_url)
    await store.migrate()
    await sync_content(store, library)
    now = datetime.now(UTC)
    async with store.transaction() as repo:
        for chat_id in range(700_000, 700_000 + count):
            api.chat(chat_id)
            await repo.touch_chat(chat_id, "private", "zh", now)
            await repo.add_schedule(
                chat_id, format_time_of_day(now.time()), "UTC", now - timedelta(minutes=1)
            )
    await store.close()


@needs_postgres
async def test_two_processes_on_one_postgres_send_each_chat_one_briefing(
    api: TelegramStandIn, tmp_path: Path, library: Library
) -> None:
    count = 300
    async with fresh_postgres_database(POSTGRES_URL) as url:
        await _fill(url, library, api, count)
        api.fail("sendMessage", 200, delay=0.005, times=10**9)  # slow enough to overlap
        async with (
            webhook_bot(api, url, tmp_path / "a.log"),
            webhook_bot(api, url, tmp_path / "b.log"),
        ):
            chats = range(700_000, 700_000 + count)
            await api.wait_for(lambda: all(api.bot_messages(c) for c in chats), timeout=120)
            await asyncio.sleep(1.0)  # anything late would show now
        counts = [len(api.bot_messages(c)) for c in chats]
    senders = {call.params.get("chat_id") for call in api.calls_of("sendMessage")}
    assert len(senders) == count
    assert counts == [1] * count
