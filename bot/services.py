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
from bot.store.repository import ContentSnapshot
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
    _snapshot: tuple[str, ContentSnapshot | None] | None = None
    _english: tuple[str, Translation, EnglishIndex] | None = None

    async def current_content(self) -> ContentSnapshot | None:
        """The same snapshot, opening a transaction only when this content version has not been
        read yet: reading a section then touches neither the store nor its lock."""
        if self._snapshot is not None and self._snapshot[0] == self.library.content_hash:
            return self._snapshot[1]
        async with self.store.transaction() as repo:
            return await self.content(repo)

    async def content(self, repo: Repository) -> ContentSnapshot | None:
        """The imported content as handlers read it, cached per content version: reading a
        section costs no query. /reload (a new hash) reads it again."""
        version = self.library.content_hash
        if self._snapshot is None or self._snapshot[0] != version:
            self._snapshot = (version, await repo.content_snapshot())
        return self._snapshot[1]

    async def english(self, repo: Repository) -> EnglishIndex | None:
        """The English search index over the work plan's translation (None without one, or before
        the first import), built once per content version: /reload builds it again."""
        translation = self.library.primary.translation
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
