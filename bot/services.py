"""What handlers and jobs share, opened in post_init and closed in post_shutdown, and the typed
context through which they reach it (no casts out of bot_data)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telegram.ext import CallbackContext, ExtBot

from bot.briefing import ContentIndex
from bot.config import Settings
from bot.i18n import Translator
from bot.store import Store
from content.library import Library


@dataclass
class Services:
    settings: Settings
    store: Store
    library: Library
    translate: Translator
    index: ContentIndex
    started_at: datetime
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    push_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class BotData:
    """The Application's bot_data. Empty until post_init attaches the services."""

    def __init__(self) -> None:
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("services are not open: post_init has not run")
        return self._services

    def attach(self, services: Services) -> None:
        self._services = services

    def detach(self) -> Services | None:
        services, self._services = self._services, None
        return services


class BotContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotData]):
    """The context every handler receives; `context.services` is typed."""

    @property
    def services(self) -> Services:
        return self.bot_data.services


def utc_now() -> datetime:
    return datetime.now(UTC)
