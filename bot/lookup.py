"""What a user typed, turned into topics, keywords and passages: the rules /topic, /search,
/subscribe and inline mode share."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.store import Repository
from bot.store.models import PassageRow
from content.catalog import Catalog, Topic, fold

MAX_KEYWORD_LENGTH = 30
MAX_SUBSCRIPTIONS = 30
MAX_QUERY_LENGTH = 100
MAX_NAMES_PER_COMMAND = 30
_SEPARATORS = re.compile(r"[,，、;；\n]+")


def split_names(text: str, catalog: Catalog) -> list[str]:
    """`海牙 地理标志`, `Hague, GI` or `geographical indications 商标` → the names in it.

    Commas and 、 always separate; between words, the longest run of words that names a topic is
    kept together ("Hague Agreement"), any other word stands alone."""
    names: list[str] = []
    for part in _SEPARATORS.split(text):
        words = part.split()
        start = 0
        while start < len(words):
            end = next(
                (
                    stop
                    for stop in range(len(words), start, -1)
                    if catalog.resolve(" ".join(words[start:stop])) is not None
                ),
                start + 1,
            )
            names.append(" ".join(words[start:end]))
            start = end
    return names[:MAX_NAMES_PER_COMMAND]


@dataclass(frozen=True)
class Found:
    """A page of passages for a query, and what the query turned out to be."""

    topic: Topic | None
    passages: list[PassageRow]
    total: int


async def passages_for_topic_or_keyword(
    repo: Repository, catalog: Catalog, query: str, offset: int, limit: int
) -> Found:
    """/topic: a catalogue topic by any of its names, else the text as a keyword."""
    topic = catalog.resolve(query)
    if topic is not None:
        return Found(topic, *await repo.passages_on_topic(topic.slug, offset, limit))
    return Found(None, *await repo.passages_containing(query, offset, limit))


async def search(repo: Repository, catalog: Catalog, query: str, offset: int, limit: int) -> Found:
    """/search: passages containing the text; when none does and the text names a topic (an
    English alias such as "Hague"), the topic's passages."""
    passages, total = await repo.passages_containing(query, offset, limit)
    if total == 0:
        topic = catalog.resolve(query)
        if topic is not None:
            return Found(topic, *await repo.passages_on_topic(topic.slug, offset, limit))
    return Found(None, passages, total)


def is_keyword_shaped(query: str) -> bool:
    return len(fold(query)) > 0 and len(query.strip()) <= MAX_KEYWORD_LENGTH
