"""The application layer's tests open the services as post_init does (entry/application.py),
without Telegram: the store on a given database, migrated and with the content imported, and a
clock the test controls."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime

from bot.briefing import ContentIndex
from bot.config import Settings
from bot.i18n import Translator
from bot.services import Services
from bot.store import Store
from bot.store.content_import import sync_content
from content.library import load_library


@asynccontextmanager
async def opened_services(
    settings: Settings,
    database_url: str,
    clock: Callable[[], datetime],
    *,
    started: datetime | None = None,
    imported: bool = True,
) -> AsyncIterator[Services]:
    """`imported=False`: an empty store, as before the first content import."""
    library = load_library()
    store = Store(database_url)
    try:
        await store.migrate()
        if imported:
            await sync_content(store, library)
        index = ContentIndex.of(library)
        yield Services(
            replace(settings, database_url=database_url),
            store,
            library,
            Translator.load(),
            index,
            started or clock(),
            clock,
        )
    finally:
        await store.close()
