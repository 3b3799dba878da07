"""Webhook mode: Telegram posts updates to WEBHOOK_URL; we serve that path and /healthz on
WEBHOOK_LISTEN:WEBHOOK_PORT with aiohttp (python-telegram-bot's own webhook server serves no
other route), and hand each update to the Application's queue.

A request without the right X-Telegram-Bot-Api-Secret-Token is refused with 403 and changes
nothing. GET /healthz answers 200 while the database answers, 503 when it does not."""

from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Any
from urllib.parse import urlparse

from aiohttp import web
from sqlalchemy import text
from telegram import Update

from bot.config import Settings
from entry.application import BotApplication
from entry.lifecycle import running, until_signalled

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_TIMEOUT = 3.0


def webhook_path(url: str) -> str:
    return urlparse(url).path or "/"


async def database_answers(application: BotApplication) -> bool:
    try:
        store = application.bot_data.services.store
        async with asyncio.timeout(HEALTH_TIMEOUT), store.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to answer is "unhealthy"; say why in the log
        logger.warning("health check: the database does not answer: %s", exc)
        return False
    return True


def webhook_app(application: BotApplication, secret: str, path: str) -> web.Application:
    """The aiohttp app: the update path (secret checked) and /healthz."""

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403, text="forbidden")
        try:
            data = await request.json()
            update = Update.de_json(data, application.bot)
        except Exception:  # not an update: Telegram never sends that; do not retry it
            logger.warning("webhook: a request that is not an update was refused")
            return web.Response(status=400, text="not an update")
        await application.update_queue.put(update)
        return web.Response(text="ok")

    async def health(_: web.Request) -> web.Response:
        if await database_answers(application):
            return web.Response(text="ok")
        return web.Response(status=503, text="database unavailable")

    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post(path, receive)
    app.router.add_get("/healthz", health)
    return app


async def run_webhook(settings: Settings, application: BotApplication) -> None:
    """The whole lifecycle, as run_polling has it, with our server in place of the updater."""
    assert settings.webhook_url and settings.webhook_secret
    url, secret = settings.webhook_url, settings.webhook_secret

    async def register(application: Any) -> None:
        await application.bot.set_webhook(
            url, secret_token=secret, allowed_updates=Update.ALL_TYPES
        )

    async with running(application, poll=False, before_start=register):
        runner = web.AppRunner(
            webhook_app(application, settings.webhook_secret, webhook_path(settings.webhook_url)),
            access_log=None,
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, settings.webhook_listen, settings.webhook_port).start()
            logger.info(
                "webhook: serving %s on %s:%d", webhook_path(settings.webhook_url),
                settings.webhook_listen, settings.webhook_port,
            )  # fmt: skip
            await until_signalled()
        finally:
            await runner.cleanup()


def serve(settings: Settings) -> None:
    from entry.application import build_application

    application: Any = build_application(settings, updater=False)
    asyncio.run(run_webhook(settings, application))
