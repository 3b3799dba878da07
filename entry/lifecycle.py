"""One lifecycle for every way the bot runs (polling, webhook, the console sandbox, tests and
benchmarks), the order python-telegram-bot's run_polling keeps:

    initialize → post_init → (setWebhook | start polling) → start … stop → post_stop
    → shutdown → post_shutdown

`async with application:` gives initialize/shutdown; the rest is python-telegram-bot's hooks,
which only run_polling/run_webhook would call otherwise (post_init opens the store)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.ext import Application

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
POLL_TIMEOUT = 10  # seconds a getUpdates long poll is held open (run_polling's default)


@asynccontextmanager
async def running(
    application: AnyApplication,
    *,
    poll: bool = True,
    before_start: Callable[[AnyApplication], Awaitable[None]] | None = None,
) -> AsyncIterator[AnyApplication]:
    """The Application serving updates for the length of the block. `poll`: long-poll Telegram
    with the Updater (off in webhook mode, where our server feeds the update queue, and in
    in-memory tests); `before_start`: what must happen once the store is open but before
    updates flow (setWebhook)."""
    try:
        async with application:
            if application.post_init:
                await application.post_init(application)
            if before_start is not None:
                await before_start(application)
            if poll:
                assert application.updater is not None
                await application.updater.start_polling(
                    poll_interval=0.0, timeout=POLL_TIMEOUT, allowed_updates=Update.ALL_TYPES
                )
            await application.start()
            try:
                yield application
            finally:
                if application.updater is not None and application.updater.running:
                    await application.updater.stop()
                if application.running:
                    await application.stop()
                if application.post_stop:
                    await application.post_stop(application)
    finally:
        if application.post_shutdown:
            await application.post_shutdown(application)


async def until_signalled() -> None:
    """Return on SIGINT or SIGTERM (a supervisor stopping the bot)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for name in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(name, stop.set)
    await stop.wait()


async def poll_until_signalled(application: AnyApplication) -> None:
    """Production polling: what run_polling does, through the same lifecycle as everything else."""
    async with running(application):
        await until_signalled()
