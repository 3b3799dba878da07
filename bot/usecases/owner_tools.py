"""The owner's tools, apart from their Telegram side: reloading content/ without a restart,
the figures of /stats, and broadcasts (drafted, then confirmed or cancelled)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.briefing import ContentIndex
from bot.services import Services
from bot.store.content_import import sync_content
from content.library import Library, load_library


@dataclass(frozen=True)
class ContentChange:
    """What /reload found: counts before and after, and whether anything was imported."""

    imported: bool
    sections: tuple[int, int]
    passages: tuple[int, int]
    topics: tuple[int, int]


def _counts(library: Library) -> tuple[int, int, int]:
    document = library.primary.document
    passages = sum(len(section.passages) for section in document.sections)
    return len(document.numbered_sections), passages, len(library.catalog.topics)


async def reload_content(services: Services) -> ContentChange:
    """Re-read content/ and swap it in without a restart. Subscriptions and reading progress
    refer to topics by slug and passages by "S.O", so they carry over. A broken file raises
    ContentError and leaves everything as it was."""
    library = load_library(services.content_dir)
    index = ContentIndex(library.primary.document, library.catalog)
    before = _counts(services.library)
    imported = await sync_content(services.store, library)
    services.library, services.index, services._snapshot = library, index, None
    after = _counts(library)
    sections, passages, topics = zip(before, after, strict=True)
    return ContentChange(imported, sections, passages, topics)
