"""Production polling: what python-telegram-bot's run_polling does, through the one lifecycle,
with /healthz on WEBHOOK_LISTEN:HEALTH_PORT when HEALTH_PORT is set. aiohttp (our HTTP server) is
imported only then: it costs about 0.1 s of every start that serves no HTTP."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
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
        if settings.health_port is None:
            await until()
            return
        from entry.webhook import Health, app_runner, health_app, serving

        runner = app_runner(health_app(Health(application)))
        async with serving(runner, settings.webhook_listen, settings.health_port):
            logger.info(
                "health: serving /healthz on %s:%d", settings.webhook_listen, settings.health_port
            )
            await until()


def poll(settings: Settings) -> None:
    from entry.application import build_application

    application: Any = build_application(settings)
    asyncio.run(run_polling(settings, application))
