"""Where the reading view is served: on WEBHOOK_PORT beside the webhook in webhook mode, on
WEBAPP_PORT in polling mode (one server with /healthz when HEALTH_PORT is the same port); and
WEBAPP_URL checked at start with one clear line."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.config import ConfigError, Settings, load_settings
from bot.webapp_auth import sign_init_data
from entry.application import build_application
from entry.polling import run_polling
from entry.standin import TelegramStandIn
from entry.webhook import run_webhook
from tests.conftest import TEST_TOKEN
from tests.test_operations import FAST, SECRET, free_port, serving_task

WIRE = True


def signed(user_id: int = 1001) -> dict[str, str]:
    fields = {
        "user": json.dumps({"id": user_id, "first_name": "Li", "language_code": "zh"}),
        "auth_date": "0",
    }
    return {"Authorization": f"tma {sign_init_data(fields, TEST_TOKEN)}"}


async def status(session: aiohttp.ClientSession, url: str, **kwargs: Any) -> int:
    async with session.get(url, **kwargs) as response:
        await response.read()
        return response.status


async def test_polling_serves_the_reading_view_on_its_own_port_beside_healthz(
    settings: Settings, api: TelegramStandIn
) -> None:
    view, health = free_port(), free_port()
    polled = dataclasses.replace(
        settings, webapp_url=f"http://127.0.0.1:{view}/app", webapp_port=view,
        health_port=health, webhook_listen="127.0.0.1",
    )  # fmt: skip
    application: Any = build_application(polled, base_url=api.base_url)
    async with serving_task(
        lambda until: run_polling(polled, application, backoff=FAST, until=until)
    ):
        await api.wait_for(lambda: api.calls_of("getUpdates"), timeout=10)
        async with aiohttp.ClientSession() as session:
            assert await status(session, f"http://127.0.0.1:{view}/app") == 200
            assert await status(session, f"http://127.0.0.1:{view}/app/api/me") == 401
            assert await status(session, f"http://127.0.0.1:{view}/healthz") == 404
            assert await status(session, f"http://127.0.0.1:{health}/healthz") == 200
            assert await status(session, f"http://127.0.0.1:{health}/app") == 404
        api.release_polls()


async def test_polling_serves_both_on_one_port_when_they_share_it(
    settings: Settings, api: TelegramStandIn
) -> None:
    port = free_port()
    polled = dataclasses.replace(
        settings, webapp_url=f"http://127.0.0.1:{port}/read", webapp_port=port,
        health_port=port, webhook_listen="127.0.0.1",
    )  # fmt: skip
    application: Any = build_application(polled, base_url=api.base_url)
    async with serving_task(
        lambda until: run_polling(polled, application, backoff=FAST, until=until)
    ):
        await api.wait_for(lambda: api.calls_of("getUpdates"), timeout=10)
        async with aiohttp.ClientSession() as session:
            assert await status(session, f"http://127.0.0.1:{port}/read/") == 200
            assert await status(session, f"http://127.0.0.1:{port}/healthz") == 200
            # A signature from 1970 is long stale by the bot's clock.
            assert (
                await status(session, f"http://127.0.0.1:{port}/read/api/me", headers=signed())
                == 401
            )
        api.release_polls()


async def test_webhook_mode_serves_the_reading_view_on_the_webhook_port(
    settings: Settings, api: TelegramStandIn
) -> None:
    port = free_port()
    hooked = dataclasses.replace(
        settings, webhook_url=f"http://127.0.0.1:{port}/tg", webhook_secret=SECRET,
        webhook_listen="127.0.0.1", webhook_port=port,
        webapp_url=f"http://127.0.0.1:{port}/app",
    )  # fmt: skip
    application: Any = build_application(hooked, base_url=api.base_url, updater=False)
    async with serving_task(
        lambda until: run_webhook(hooked, application, backoff=FAST, until=until)
    ):
        await api.wait_for(lambda: api.calls_of("setWebhook"), timeout=10)
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as session:
            for _ in range(100):
                try:
                    if await status(session, f"{base}/healthz") == 200:
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)  # not listening yet
            assert await status(session, f"{base}/app") == 200
            assert await status(session, f"{base}/app/api/documents") == 401
            async with session.post(f"{base}/tg", json={}) as response:
                assert response.status == 403  # the webhook is still the webhook
    [button] = api.calls_of("setChatMenuButton")
    assert button.params["menu_button"]["web_app"] == {"url": f"{base}/app"}


@pytest.mark.parametrize(
    ("environ", "fragment"),
    [
        ({"WEBAPP_URL": "http://bot.example.org/app"}, "must start with https://"),
        ({"WEBAPP_URL": "ftp://bot.example.org/app"}, "public https:// address"),
        ({"WEBAPP_URL": "bot.example.org/app"}, "public https:// address"),
        ({"WEBAPP_URL": "https://bot.example.org/app?x=1"}, "query or a fragment"),
        ({"WEBAPP_URL": "https://bot.example.org/app#top"}, "query or a fragment"),
        ({"WEBAPP_URL": "https://bot.example.org/healthz"}, "a path of its own"),
        (
            {
                "WEBAPP_URL": "https://bot.example.org/tg",
                "WEBHOOK_URL": "https://bot.example.org/tg",
                "WEBHOOK_SECRET": "s" * 32,
            },
            "a path of its own",
        ),
        ({"WEBAPP_URL": "https://bot.example.org/app", "WEBAPP_PORT": "0"}, "WEBAPP_PORT"),
    ],
)
def test_a_bad_webapp_url_stops_the_start_with_one_line(
    tmp_path: Path, environ: dict[str, str], fragment: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ, env_file=tmp_path / "none")
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value)


def test_webapp_url_is_optional_and_its_port_defaults_to_8080(tmp_path: Path) -> None:
    none = tmp_path / "none"
    assert load_settings({}, none).webapp_url is None
    settings = load_settings({"WEBAPP_URL": "https://bot.example.org/app/"}, none)
    assert settings.webapp_url == "https://bot.example.org/app/"
    assert settings.webapp_port == 8080
    local = load_settings({"WEBAPP_URL": "http://127.0.0.1:9000/app", "WEBAPP_PORT": "9000"}, none)
    assert local.webapp_port == 9000
