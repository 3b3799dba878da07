"""One lifecycle for every way the bot runs (polling, webhook, the console sandbox, tests and
benchmarks), the order python-telegram-bot's run_polling keeps:

    initialize → post_init → (setWebhook | start polling) → start … stop → post_stop
    → shutdown → post_shutdown

`async with application:` gives initialize/shutdown; the rest is python-telegram-bot's hooks,
which only run_polling/run_webhook would call otherwise (post_init opens the store).

Telegram unreachable at start (a network error, a 5xx, 429) is waited out: getMe, deleteWebhook
(polling) and setWebhook are tried again with backoff 1, 2, 4 … 60 s, one log line per attempt,
and the bot serves as soon as Telegram answers. A refusal (401 invalid token, 400) is not
retried: it stops the start with one line (run_bot.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from telegram import Update
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import Application

from bot.context import BotData
from bot.scheduler import stop_pushing

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
POLL_TIMEOUT = 10  # seconds a getUpdates long poll is held open (run_polling's default)
T = TypeVar("T")
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backoff:
    """Waits between attempts to reach Telegram at start: first, 2×first, 4×first … up to cap."""

    first: float = 1.0
    cap: float = 60.0

    def delays(self) -> Iterator[float]:
        delay = self.first
        while True:
            yield delay
            delay = min(delay * 2, self.cap)


START_BACKOFF = Backoff()


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def until_telegram_answers(
    call: Callable[[], Awaitable[T]], what: str, backoff: Backoff = START_BACKOFF
) -> T:
    """`call()` once Telegram answers it: network errors, timeouts, 5xx and 429 are waited out
    (one warning line per attempt, no traceback); refusals (InvalidToken, BadRequest,
    Forbidden) are raised at once."""
    for attempt, delay in enumerate(backoff.delays(), start=1):
        try:
            return await call()
        except BadRequest:  # a NetworkError subclass, but a refusal: trying again cannot help
            raise
        except RetryAfter as exc:
            delay = max(delay, _seconds(exc.retry_after))
            reason = "flood control"
        except NetworkError as exc:
            reason = exc.message or type(exc).__name__
        logger.warning(
            "Telegram does not answer %s (attempt %d: %s); trying again in %g s",
            what, attempt, reason, delay,
        )  # fmt: skip
        await asyncio.sleep(delay)
    raise AssertionError("unreachable")  # delays() never ends


@asynccontextmanager
async def running(
    application: AnyApplication,
    *,
    poll: bool = True,
    before_start: Callable[[AnyApplication], Awaitable[None]] | None = None,
    backoff: Backoff = START_BACKOFF,
) -> AsyncIterator[AnyApplication]:
    """The Application serving updates for the length of the block. `poll`: long-poll Telegram
    with the Updater (off in webhook mode, where our server feeds the update queue, and in
    in-memory tests); `before_start`: what must happen once the store is open but before
    updates flow (setWebhook; tried again like getMe while Telegram does not answer);
    `backoff`: the waits between those attempts (tests pass short ones)."""
    try:
        try:  # getMe until Telegram answers; `async with` then finds the bot initialized
            await until_telegram_answers(application.bot.initialize, "getMe", backoff)
        except BaseException:
            await application.bot.shutdown()
            raise
        async with application:
            if application.post_init:
                await application.post_init(application)
            if before_start is not None:
                hook = before_start
                await until_telegram_answers(lambda: hook(application), "setWebhook", backoff)
            if poll:
                assert application.updater is not None
                # start_polling deletes any webhook first and gives up on the first failure.
                await until_telegram_answers(
                    lambda: application.bot.delete_webhook(), "deleteWebhook", backoff
                )
                await application.updater.start_polling(
                    poll_interval=0.0, timeout=POLL_TIMEOUT, allowed_updates=Update.ALL_TYPES
                )
            await application.start()
            try:
                yield application
            finally:
                # SIGTERM mid-push: the push stops claiming and puts back what it did not send
                # before the JobQueue (which waits for it) is stopped.
                if isinstance(application.bot_data, BotData) and application.bot_data.is_open:
                    await stop_pushing(application.bot_data.services)
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
