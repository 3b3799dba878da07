"""Production polling: what python-telegram-bot's run_polling does, through the one lifecycle,
with /healthz on WEBHOOK_LISTEN:HEALTH_PORT when HEALTH_PORT is set and the reading view on
WEBHOOK_LISTEN:WEBAPP_PORT when WEBAPP_URL is. aiohttp (our HTTP server) is imported only then:
it costs about 0.1 s of every start that serves no HTTP."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from bot.config import Settings
from entry.application import BotApplication
from entry.lifecycle import START_BACKOFF, Backoff, running, until_signalled

logger = logging.getLogger(__name__)


async def run_polling(
    settings: Settings,
    application: BotApplication,
    *,
    backoff: Backoff = START_BACKOFF,
    until: Callable[[], Awaitable[object]] = until_signalled,
) -> None:
    async with running(application, backoff=backoff):
        if settings.health_port is None and settings.webapp_url is None:
            await until()
            return
        async with serving_http(settings, application):
            await until()


@asynccontextmanager
async def serving_http(settings: Settings, application: BotApplication) -> AsyncIterator[None]:
    """/healthz on HEALTH_PORT and the reading view on WEBAPP_PORT (one server when they are the
    same port), on WEBHOOK_LISTEN."""
    from aiohttp import web

    from entry.webhook import Health, app_runner, health_route, serving

    apps: dict[int, web.Application] = {}
    if settings.health_port is not None:
        apps[settings.health_port] = web.Application()
        apps[settings.health_port].router.add_get("/healthz", health_route(Health(application)))
    if settings.webapp_url is not None:
        from entry.webapp.server import reading_view_app, webapp_path

        app = apps.setdefault(settings.webapp_port, web.Application())
        reading_view_app(application, settings.webapp_url, app)
        logger.info(
            "reading view: serving %s/ on %s:%d", webapp_path(settings.webapp_url),
            settings.webhook_listen, settings.webapp_port,
        )  # fmt: skip
    async with AsyncExitStack() as stack:
        for port, app in apps.items():
            await stack.enter_async_context(serving(app_runner(app), settings.webhook_listen, port))
        if settings.health_port is not None:
            logger.info(
                "health: serving /healthz on %s:%d", settings.webhook_listen, settings.health_port
            )
        yield


def poll(settings: Settings) -> None:
    from entry.application import build_application

    application: Any = build_application(settings)
    asyncio.run(run_polling(settings, application))
