"""What handlers and jobs share, opened in post_init and closed in post_shutdown. Handlers reach
it through the typed context (bot/context.py), never through casts out of bot_data."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.briefing import ContentIndex
from bot.config import Settings
from bot.english_search import EnglishIndex
from bot.i18n import Translator
from bot.store import Repository, Store
from bot.store.repository import ContentSnapshot, Shelf
from content.library import CONTENT_DIR, Library
from content.translation import Translation

PRIVATE = "private"


@dataclass(frozen=True)
class ChatView:
    """The chat an update comes from, resolved once per update. `id` is None for updates that
    have no chat (inline queries, buttons under inline messages): they speak the user's language."""

    id: int | None
    kind: str | None
    language: str

    @property
    def private(self) -> bool:
        return self.kind == PRIVATE


@dataclass(frozen=True)
class KnownChat:
    language: str
    kind: str
    seen_at: datetime


class ChatCache:
    """Chats this process has seen lately, so that an update from one needs no query. Whoever
    changes what is cached (language, active) forgets the entry; another process's change shows
    once the entry is older than the store's last-seen precision."""

    def __init__(self, size: int = 50_000) -> None:
        self.size = size
        self._entries: OrderedDict[int, KnownChat] = OrderedDict()

    def get(self, chat_id: int) -> KnownChat | None:
        entry = self._entries.get(chat_id)
        if entry is not None:
            self._entries.move_to_end(chat_id)
        return entry

    def put(self, chat_id: int, entry: KnownChat) -> None:
        self._entries[chat_id] = entry
        self._entries.move_to_end(chat_id)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def forget(self, *chat_ids: int) -> None:
        for chat_id in chat_ids:
            self._entries.pop(chat_id, None)


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
    # Set when the bot begins to shut down: the push claims nothing more (scheduler.push).
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    content_dir: Path = CONTENT_DIR
    chats: ChatCache = field(default_factory=ChatCache)
    # The store's content version (Repository.content_version) as this process last read it:
    # an import by any process changes it, and bot.usecases.importing.refresh reads it anew.
    content_version: str = ""
    _snapshot: tuple[str, Shelf | None] | None = None
    _english: tuple[str, Translation, EnglishIndex] | None = None

    async def current_content(self) -> ContentSnapshot | None:
        """The newest document's snapshot, opening a transaction only when this content version
        has not been read yet: reading a section then touches neither the store nor its lock."""
        shelf = await self.current_shelf()
        return shelf.newest if shelf is not None else None

    async def current_shelf(self) -> Shelf | None:
        """Every document's snapshot, newest first; a transaction only for a new version."""
        if self._snapshot is not None and self._snapshot[0] == self.version:
            return self._snapshot[1]
        async with self.store.transaction() as repo:
            return await self.shelf(repo)

    async def content(self, repo: Repository) -> ContentSnapshot | None:
        """The newest document as handlers read it, cached per content version: reading a
        section costs no query. /reload (a new hash) or an import (a new store version) reads
        it again."""
        shelf = await self.shelf(repo)
        return shelf.newest if shelf is not None else None

    async def shelf(self, repo: Repository) -> Shelf | None:
        """Every document (seed and imported), newest first, cached per content version."""
        version = self.version
        if self._snapshot is None or self._snapshot[0] != version:
            self._snapshot = (version, await repo.content_shelf())
        return self._snapshot[1]

    def translation_of(self, slug: str) -> Translation | None:
        """A document's English translation (content/translations/<slug>.toml), None without."""
        plan = next((plan for plan in self.library.plans if plan.slug == slug), None)
        return plan.translation if plan is not None else None

    @property
    def version(self) -> str:
        """What the content read from the store depends on: content/ and the imports."""
        return f"{self.library.content_hash}:{self.content_version}"

    async def reindex(self, repo: Repository) -> None:
        """The briefing's index over content/ and every imported document: after start-up, a
        /reload, and an import by any process (bot.usecases.importing.refresh)."""
        self.index = ContentIndex.of(self.library, await repo.imported_documents())

    async def english(self, repo: Repository) -> EnglishIndex | None:
        """The English search index over the newest translated plan's translation (None without
        one, or before the first import), built once per content version: /reload builds it
        again. A newer plan not yet translated leaves English search on the one that is."""
        translation = next((p.translation for p in self.library.plans if p.translation), None)
        if translation is None:
            return None
        version = self.library.content_hash
        cached = self._english
        if cached is None or cached[0] != version or cached[1] is not translation:
            index = await EnglishIndex.build(repo, translation)
            if index is None:
                return None
            cached = self._english = (version, translation, index)
        return cached[2]


def utc_now() -> datetime:
    return datetime.now(UTC)
