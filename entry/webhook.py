"""Webhook mode: Telegram posts updates to WEBHOOK_URL; we serve that path and /healthz on
WEBHOOK_LISTEN:WEBHOOK_PORT with aiohttp (python-telegram-bot's own webhook server serves no
other route), and hand each update to the Application's queue. In polling mode the same
/healthz is served alone on HEALTH_PORT when it is set.

A request without the right X-Telegram-Bot-Api-Secret-Token is refused with 403 and changes
nothing. A client that trickles its request is dropped: the headers must be complete within
CLIENT_TIMEOUT of connecting (aiohttp's keepalive_timeout also covers a connection's first
request), the body read within CLIENT_TIMEOUT too (408), and a handler whose client has gone is
cancelled (handler_cancellation).

GET /healthz answers JSON: the database (one `SELECT 1`) and Telegram (the last getMe, probed at
most every TELEGRAM_PROBE_EVERY seconds), cached for HEALTH_CACHE_FOR seconds however often it
is asked; 200 while the database answers (Telegram down is "degraded": a restart cannot fix it),
503 when it does not. A change of either state is logged once, not on every call."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from aiohttp import web
from sqlalchemy import text
from telegram import Update
from telegram.error import TelegramError

from bot.config import Settings
from entry.application import BotApplication
from entry.lifecycle import START_BACKOFF, Backoff, running, until_signalled

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_TIMEOUT = 3.0  # seconds a health probe (database or getMe) may take
HEALTH_CACHE_FOR = 2.0  # seconds one /healthz answer is reused
TELEGRAM_PROBE_EVERY = 30.0  # seconds between getMe probes, at most one each
CLIENT_TIMEOUT = 10.0  # seconds for a client's headers (from connecting), its body, idle keep-alive
SHUTDOWN_TIMEOUT = 10.0  # seconds requests in flight get to finish when the bot stops


def webhook_path(url: str) -> str:
    return urlparse(url).path or "/"


@dataclass
class Probe:
    ok: bool
    detail: str
    at: float


class Health:
    """What /healthz answers, computed at most once per `cache_for` seconds (callers at the same
    moment share one computation), with each component's change of state logged once."""

    def __init__(
        self,
        application: BotApplication,
        *,
        clock: Callable[[], float] = time.monotonic,
        cache_for: float = HEALTH_CACHE_FOR,
        probe_every: float = TELEGRAM_PROBE_EVERY,
    ) -> None:
        self.application = application
        self.clock = clock
        self.cache_for = cache_for
        self.probe_every = probe_every
        self._lock = asyncio.Lock()
        self._answer: tuple[int, dict[str, Any]] | None = None
        self._answered_at = 0.0
        # The bot serves only once getMe has answered, so Telegram starts out reachable.
        self.telegram = Probe(True, "getMe answered at start", clock())
        self.database = Probe(True, "not checked yet", clock())
        self.database_checks = 0

    async def answer(self) -> tuple[int, dict[str, Any]]:
        async with self._lock:
            now = self.clock()
            if self._answer is not None and now - self._answered_at < self.cache_for:
                return self._answer
            self._note("database", self.database, await self._check_database(now))
            if now - self.telegram.at >= self.probe_every:
                self._note("telegram", self.telegram, await self._probe_telegram(now))
            database, telegram = self.database, self.telegram
            status = "ok" if database.ok and telegram.ok else "degraded" if database.ok else "down"
            body = {
                "status": status,
                "database": {"ok": database.ok, "detail": database.detail},
                "telegram": {
                    "ok": telegram.ok,
                    "detail": telegram.detail,
                    "checked_seconds_ago": round(now - telegram.at, 1),
                },
            }
            self._answer, self._answered_at = (200 if database.ok else 503, body), now
            return self._answer

    async def _check_database(self, now: float) -> Probe:
        self.database_checks += 1
        try:
            store = self.application.bot_data.services.store
            async with asyncio.timeout(HEALTH_TIMEOUT), store.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as exc:  # any failure to answer is "unhealthy"; the log says why
            return Probe(False, _reason(exc), now)
        return Probe(True, "answers", now)

    async def _probe_telegram(self, now: float) -> Probe:
        try:
            async with asyncio.timeout(HEALTH_TIMEOUT):
                await self.application.bot.get_me()
        except (TelegramError, TimeoutError) as exc:
            return Probe(False, _reason(exc), now)
        return Probe(True, "getMe answered", now)

    def _note(self, name: str, before: Probe, after: Probe) -> None:
        setattr(self, name, after)
        if before.ok and not after.ok:
            logger.warning("health: %s does not answer: %s", _NAMES[name], after.detail)
        elif after.ok and not before.ok:
            logger.warning("health: %s answers again", _NAMES[name])


_NAMES = {"database": "the database", "telegram": "Telegram"}


def _reason(exc: BaseException) -> str:
    """A short, single-line reason (the log's redaction still applies to it)."""
    message = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def health_route(health: Health) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def healthz(_: web.Request) -> web.Response:
        status, body = await health.answer()
        return web.json_response(body, status=status)

    return healthz


def health_app(health: Health) -> web.Application:
    app = web.Application()
    app.router.add_get("/healthz", health_route(health))
    return app


def webhook_app(
    application: BotApplication,
    secret: str,
    path: str,
    *,
    health: Health | None = None,
    client_timeout: float = CLIENT_TIMEOUT,
) -> web.Application:
    """The aiohttp app: the update path (secret checked) and /healthz."""

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403, text="forbidden")
        try:
            async with asyncio.timeout(client_timeout):
                body = await request.read()
        except TimeoutError:
            logger.warning("webhook: a request whose body came too slowly was dropped")
            return web.Response(status=408, text="too slow", headers={"Connection": "close"})
        try:
            update = Update.de_json(json.loads(body), application.bot)
        except Exception:  # not an update: Telegram never sends that; do not retry it
            logger.warning("webhook: a request that is not an update was refused")
            return web.Response(status=400, text="not an update")
        await application.update_queue.put(update)
        return web.Response(text="ok")

    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post(path, receive)
    app.router.add_get("/healthz", health_route(health or Health(application)))
    return app


def app_runner(app: web.Application, *, client_timeout: float = CLIENT_TIMEOUT) -> web.AppRunner:
    """A runner that does not wait on slow or silent clients (see the module's docstring)."""
    return web.AppRunner(
        app,
        access_log=None,
        handle_signals=False,
        handler_cancellation=True,
        keepalive_timeout=client_timeout,
        shutdown_timeout=SHUTDOWN_TIMEOUT,
    )


@asynccontextmanager
async def serving(runner: web.AppRunner, listen: str, port: int) -> AsyncIterator[web.AppRunner]:
    await runner.setup()
    try:
        await web.TCPSite(runner, listen, port).start()
        yield runner
    finally:
        await runner.cleanup()


async def run_webhook(
    settings: Settings,
    application: BotApplication,
    *,
    backoff: Backoff = START_BACKOFF,
    until: Callable[[], Awaitable[object]] = until_signalled,
    client_timeout: float = CLIENT_TIMEOUT,
) -> None:
    """The whole lifecycle, as run_polling has it, with our server in place of the updater.
    `until`: how long to serve (a signal; tests pass their own)."""
    assert settings.webhook_url and settings.webhook_secret
    url, secret = settings.webhook_url, settings.webhook_secret
    path = webhook_path(url)

    async def register(application: Any) -> None:
        await application.bot.set_webhook(
            url, secret_token=secret, allowed_updates=Update.ALL_TYPES
        )

    async with running(application, poll=False, before_start=register, backoff=backoff):
        app = webhook_app(
            application, secret, path, health=Health(application), client_timeout=client_timeout
        )
        if settings.webapp_url:  # the reading view on the same server
            from entry.webapp.server import reading_view_app

            reading_view_app(application, settings.webapp_url, app)
        async with serving(
            app_runner(app, client_timeout=client_timeout),
            settings.webhook_listen,
            settings.webhook_port,
        ):
            logger.info(
                "webhook: serving %s on %s:%d", path, settings.webhook_listen,
                settings.webhook_port,
            )  # fmt: skip
            await until()


def serve(settings: Settings) -> None:
    from entry.application import build_application

    application: Any = build_application(settings, updater=False)
    asyncio.run(run_webhook(settings, application))
