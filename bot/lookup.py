"""What a user typed, turned into topics, keywords and passages: the rules /topic, /search,
/subscribe and inline mode share."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from bot.store import Repository
from bot.store.models import PassageRow
from content.catalog import Catalog, Topic, fold

MIN_KEYWORD_LENGTH = 2  # one hanzi (的, 专) is in nearly every passage
MAX_KEYWORD_LENGTH = 30
MAX_SUBSCRIPTIONS = 30
MAX_QUERY_LENGTH = 100
MAX_NAMES_PER_COMMAND = 30
MAX_WORDS_PER_NAME = 8  # the longest alias has fewer words
EVERY_PASSAGE = 100_000  # more passages than all work plans have (the 2022 plan: under a hundred)
_WORD = re.compile(r"[^\s,，、;；]+")


def split_names(text: str, catalog: Catalog) -> list[str]:
    """`海牙 地理标志`, `Hague, GI` or `geographical indications 商标` → the names in it.

    Words are separated by blanks, commas and 、; the longest run of words that names a topic is
    kept whole, separators included (`Hague Agreement`, `人才、队伍和智库建设`, `Talent, workforce
    and think tanks`); any other word stands alone."""
    words = list(_WORD.finditer(text))
    names: list[str] = []
    start = 0
    while start < len(words):
        end = start + 1
        for stop in range(min(len(words), start + MAX_WORDS_PER_NAME), start + 1, -1):
            if catalog.resolve(text[words[start].start() : words[stop - 1].end()]) is not None:
                end = stop
                break
        names.append(text[words[start].start() : words[end - 1].end()])
        start = end
    return names


def is_keyword_shaped(query: str) -> bool:
    """A keyword worth following: 2–30 characters with at least one letter, digit or hanzi
    (a lone 。 would match every passage)."""
    folded = fold(query)
    return (
        len(folded) >= MIN_KEYWORD_LENGTH
        and len(query.strip()) <= MAX_KEYWORD_LENGTH
        and any(char.isalnum() for char in folded)
    )


@dataclass(frozen=True)
class Passage:
    """A passage as a listing shows it. Plain data, not an ORM row: it outlives the transaction
    it was read in, and renders after that transaction is closed."""

    id: int
    section_number: int
    text: str
    key: str = ""  # "S.O" (section.ordinal): how translations and the ledger name a passage
    # The store's id of its document (listings group by document); not part of what a passage is.
    document_id: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Found:
    """A page of passages for a query, and what the query turned out to be."""

    topic: Topic | None
    passages: tuple[Passage, ...]
    total: int


class TextIndex(Protocol):
    """Another way into the passages (bot.english_search.EnglishIndex): a page for a query it
    answers, None for one it leaves to the store."""

    def find(self, catalog: Catalog, query: str, offset: int, limit: int) -> Found | None: ...


def passage_of(row: PassageRow) -> Passage:
    key = f"{row.section_number}.{row.ordinal}"
    return Passage(row.id, row.section_number, row.text, key, row.document_id)


def _found(topic: Topic | None, rows: Iterable[PassageRow], total: int) -> Found:
    return Found(topic, tuple(passage_of(row) for row in rows), total)


async def passages_for_topic_or_keyword(
    repo: Repository, catalog: Catalog, query: str, offset: int, limit: int
) -> Found:
    """/topic: a catalogue topic by any of its names, else the text as a keyword; either way in
    document order (the store ranks a keyword's passages by occurrences, which is /search's
    order: /topic takes them all, a few hundred at most, and pages them in order)."""
    topic = catalog.resolve(query)
    if topic is not None:
        return _found(topic, *await repo.passages_on_topic(topic.slug, offset, limit))
    rows, total = await repo.passages_containing(query, 0, EVERY_PASSAGE)
    rank = {document_id: i for i, document_id in enumerate(await repo.document_order())}
    in_order = sorted(rows, key=lambda row: (rank.get(row.document_id, 0), row.position))
    return _found(None, in_order[offset : offset + limit], total)


async def search(
    repo: Repository,
    catalog: Catalog,
    query: str,
    offset: int,
    limit: int,
    english: TextIndex | None = None,
) -> Found:
    """/search and inline mode: passages containing the text; when none does and the text names
    a topic (an English alias such as "Hague"), the topic's passages. With an `english` index (the
    translation's, bot.english_search), a query with English words finds their passages too,
    ranked with these; any other query is answered as without it."""
    if english is not None:
        found = english.find(catalog, query, offset, limit)
        if found is not None:
            return found
    rows, total = await repo.passages_containing(query, offset, limit)
    if total == 0:
        topic = catalog.resolve(query)
        if topic is not None:
            return _found(topic, *await repo.passages_on_topic(topic.slug, offset, limit))
    return _found(None, rows, total)
