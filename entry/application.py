"""The one place that builds the Application: builder, Defaults, rate limiter, typed context,
post_init / post_shutdown, handlers and the command menu."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    LinkPreviewOptions,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest

from bot.briefing import ContentIndex
from bot.config import Settings
from bot.context import BotContext, BotData
from bot.i18n import LANGUAGES, Translator
from bot.scheduler import CONCURRENCY, PAID_CONCURRENCY, start_schedule
from bot.services import Services, utc_now
from bot.store import Store
from bot.store.content_import import sync_content
from bot.usecases import importing
from content.library import CONTENT_DIR, load_library
from entry.json_request import JsonBodyRequest
from entry.ordering import ChatOrderedProcessor
from entry.webapp.menu import publish_menu_button
from handlers import MENU, OWNER, READING, SETTINGS, register_handlers
from handlers.flood import FloodGate

logger = logging.getLogger(__name__)

# Connections to the Bot API (entry/json_request.py's aiohttp client). Eight carry the handlers
# running at once and the push's sends in flight (each call holds one for a round trip, not while
# it waits in the rate limiter); a call that finds none free waits up to POOL_TIMEOUT.
CONNECTIONS = 8
POOL_TIMEOUT = 10.0  # seconds a call may wait for a free connection before it is a TimedOut

BotApplication = Application[Any, BotContext, dict[Any, Any], dict[Any, Any], BotData, Any]


def build_application(
    settings: Settings,
    *,
    token: str | None = None,
    base_url: str | None = None,
    application_class: type[Application[Any, Any, Any, Any, Any, Any]] = Application,
    clock: Callable[[], datetime] = utc_now,
    content_dir: Path = CONTENT_DIR,
    flood_gate: FloodGate | None = None,
    updater: bool = True,
    requests: tuple[BaseRequest, BaseRequest] | None = None,
) -> BotApplication:
    """`token` and `base_url` override the settings (the sandbox talks to its own stand-in);
    `clock` is what the bot takes as now (tests inject theirs); `flood_gate` defaults to a
    fresh FloodGate (the test driver passes its own, or none); `updater=False` when something
    else feeds the update queue (our webhook server, in-memory tests); `requests` replaces the
    HTTP client (for calls, for getUpdates), as in-memory tests do."""
    bot_token = token or settings.bot_token
    if not bot_token:
        raise ValueError("a bot token is needed to build the Application")
    builder = (
        ApplicationBuilder()
        .application_class(application_class)
        .token(bot_token)
        .base_url(base_url or settings.telegram_base_url)
        .base_file_url(file_url(base_url or settings.telegram_base_url))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                tzinfo=settings.briefing_timezone,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .context_types(ContextTypes(context=BotContext, bot_data=BotData))
        .concurrent_updates(ChatOrderedProcessor())
        .post_init(_post_init_for(settings, clock, content_dir))
        .post_shutdown(_post_shutdown)
    )
    if not updater:  # webhook mode: our own server feeds application.update_queue
        builder.updater(None)
    if requests is not None:
        builder.request(requests[0]).get_updates_request(requests[1])
    else:
        # A paid broadcast keeps PAID_CONCURRENCY sends in flight: one connection each.
        extra = PAID_CONCURRENCY - CONCURRENCY if settings.paid_broadcast else 0
        builder.request(
            JsonBodyRequest(connection_pool_size=CONNECTIONS + extra, pool_timeout=POOL_TIMEOUT)
        )
    if settings.rate_limit:
        # 30 messages a second overall and 20 a minute per group; sends made with
        # allow_paid_broadcast (the push with PAID_BROADCAST=on) go through the limiter's own
        # 1 000-a-second budget instead, as Telegram allows paid broadcasts.
        builder.rate_limiter(AIORateLimiter())  # the builder is mutable; its type stays simple
        _quiet_limiter_retry_after()
    application: BotApplication = builder.build()
    gate = flood_gate if flood_gate is not None else FloodGate()
    register_handlers(application, gate, settings.owner_ids)
    return application


def file_url(base_url: str) -> str:
    """Where files are downloaded: Telegram's (and a local Bot API server's) `/file/bot` beside
    the `/bot` of the methods."""
    return base_url[: -len("/bot")] + "/file/bot" if base_url.endswith("/bot") else base_url


class _RetryAfterReportedElsewhere(logging.Filter):
    """AIORateLimiter (max_retries=0) logs each 429 as an ERROR with a traceback, then raises it:
    the push waits it out and counts it in its own log lines, a handler's reaches the error
    handler. One report each, not two."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Rate limit hit after maximum of")


def _quiet_limiter_retry_after() -> None:
    limiter_log = logging.getLogger("telegram.ext.AIORateLimiter")
    if not any(isinstance(f, _RetryAfterReportedElsewhere) for f in limiter_log.filters):
        limiter_log.addFilter(_RetryAfterReportedElsewhere())


def _post_init_for(settings: Settings, clock: Callable[[], datetime], content_dir: Path) -> Any:
    async def post_init(application: BotApplication) -> None:
        """Open the store, import content if it changed, and publish the command menu."""
        library = load_library(content_dir)
        store = Store(settings.database_url)
        try:
            await store.migrate()
            await sync_content(store, library)
        except BaseException:
            await store.close()
            raise
        translate = Translator.load()
        index = ContentIndex.of(library)
        services = Services(
            settings, store, library, translate, index, clock(), clock, content_dir=content_dir
        )
        application.bot_data.attach(services)
        await importing.refresh(services)
        await publish_command_menu(application, store, translate, settings.owner_ids)
        await publish_menu_button(application, store, translate, settings.webapp_url)
        await start_schedule(application)
        start_content_refresh(application)

    return post_init


CONTENT_REFRESH_JOB = "content-refresh"


def start_content_refresh(application: BotApplication) -> None:
    """Every minute, whether another process (`run_bot.py import`, another webhook process)
    imported a document: then this one serves it too, without a restart."""
    job_queue = application.job_queue
    assert job_queue is not None  # start_schedule has checked
    job_queue.run_repeating(
        _refresh_content,
        interval=importing.REFRESH_SECONDS,
        first=importing.REFRESH_SECONDS,
        name=CONTENT_REFRESH_JOB,
        job_kwargs={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
    )


async def _refresh_content(context: BotContext) -> None:
    try:
        if await importing.refresh(context.services):
            logger.info("the library changed: content read again")
    except Exception:  # tried again in a minute; the bot goes on with what it has
        logger.exception("content refresh failed")


async def _post_shutdown(application: BotApplication) -> None:
    services = application.bot_data.detach()
    if services is not None:
        await services.store.close()


MENU_FACT = "command_menu"


async def publish_command_menu(
    application: BotApplication, store: Store, translate: Translator, owner_ids: frozenset[int]
) -> None:
    """Publish the menu unless this bot already has exactly this one: Telegram keeps a bot's
    commands, so a restart with the same menu (the usual case) makes no call and answers sooner.
    The menu is known by a fingerprint of the bot's id, every command and description in every
    language, and the owners; one that was not wholly published is tried again next start."""
    menu = {
        "bot": application.bot.id,
        "owners": sorted(owner_ids),
        "commands": {
            language: [(name, translate.plain(language, f"menu.{name}")) for name in MENU + OWNER]
            for language in LANGUAGES
        },
    }
    fingerprint = hashlib.sha256(json.dumps(menu, ensure_ascii=False).encode()).hexdigest()
    async with store.transaction() as repo:
        if await repo.stored_fact(MENU_FACT) == fingerprint:
            return
    if await set_command_menu(application, translate, owner_ids):
        async with store.transaction() as repo:
            await repo.store_fact(MENU_FACT, fingerprint)


async def set_command_menu(
    application: BotApplication, translate: Translator, owner_ids: frozenset[int]
) -> bool:
    """Per language (Chinese by default, English for clients set to English) and per scope:
    private chats see every command; in groups all members see the reading commands and admins
    the settings too; owners see their commands in their own chat."""
    scopes: list[tuple[BotCommandScope, tuple[str, ...]]] = [
        (BotCommandScopeDefault(), MENU),
        (BotCommandScopeAllPrivateChats(), MENU),
        (BotCommandScopeAllGroupChats(), READING),
        (BotCommandScopeAllChatAdministrators(), READING + SETTINGS),
    ]
    scopes += [(BotCommandScopeChat(owner), MENU + OWNER) for owner in sorted(owner_ids)]

    async def publish(scope: BotCommandScope, names: tuple[str, ...], language: str) -> bool:
        commands = [BotCommand(name, translate.plain(language, f"menu.{name}")) for name in names]
        try:
            await application.bot.set_my_commands(
                commands, scope=scope, language_code=None if language == "zh" else language
            )
        except BadRequest as exc:  # an owner who never opened a chat with the bot
            logger.warning("command menu for %s not set: %s", scope.type, exc.message)
            return False
        return True

    # All at once: ten round trips one after the other would delay the first answer.
    published = await asyncio.gather(
        *(publish(scope, names, language) for language in LANGUAGES for scope, names in scopes)
    )
    return all(published)
