"""The library of work plans, apart from Telegram: /documents (every plan, newest first) and
/compare (what the newer of two plans says on a topic that the older did not, what it dropped,
what carried over). Plain data out; the comparison itself is bot.compare's, pure.

Neither opens a transaction once the content is read: the plans and their passages are in the
content snapshot and the briefing's index, both read once per content version."""

from __future__ import annotations

from dataclasses import dataclass

from bot import compare
from bot.lookup import is_keyword_shaped
from bot.services import Services
from bot.store.repository import DocumentView, Shelf
from bot.usecases.reading import button_key
from content.catalog import Topic, fold


@dataclass(frozen=True)
class DocumentEntry:
    """One plan as /documents lists it: what a button carries to open it, and its size."""

    document: DocumentView
    key: str  # a year or slug (the button's and /section's name for it)
    sections: int
    passages: int


async def documents(services: Services) -> tuple[DocumentEntry, ...]:
    """Every plan, newest first (by 发布时间); () before the first import."""
    shelf = await services.current_shelf()
    if shelf is None:
        return ()
    return tuple(
        DocumentEntry(
            content.document,
            button_key(shelf, content) or shelf.token(content.document.slug),
            len([n for n in content.numbers if n]),
            sum(len(texts) for texts in content.passages.values()),
        )
        for content in shelf.documents
    )


@dataclass(frozen=True)
class Compared:
    """/compare's answer: the topic (or keyword), the two plans, and what changed."""

    topic: Topic | None
    keyword: str
    older: DocumentView
    newer: DocumentView
    comparison: compare.Comparison
    threshold: float


@dataclass(frozen=True)
class OnlyOnePlan:
    """The bot has one plan so far: nothing to compare it with."""

    document: DocumentView


@dataclass(frozen=True)
class UnknownPlans:
    """A year or name that names no plan, or the same plan twice; the names there are."""

    asked: tuple[str, ...]
    names: tuple[str, ...]


@dataclass(frozen=True)
class UnknownTopic:
    """Neither a topic nor a keyword found in either plan; the nearest topics."""

    query: str
    near: tuple[Topic, ...]


CompareAnswer = Compared | OnlyOnePlan | UnknownPlans | UnknownTopic


def _plan_shaped(shelf: Shelf, word: str) -> bool:
    """A plan's name (year or slug), or a year no plan has (answered as unknown)."""
    return shelf.find(word) is not None or (word.isascii() and word.isdigit() and len(word) == 4)


async def compare_plans(services: Services, words: list[str]) -> CompareAnswer | None:
    """/compare TOPIC [YEAR YEAR]: the newest two plans unless two (or one, set against the
    newest) are named at the end. None before the first import."""
    shelf = await services.current_shelf()
    if shelf is None:
        return None
    if len(shelf.documents) < 2:
        return OnlyOnePlan(shelf.newest.document)
    names = tuple(shelf.token(d.document.slug) for d in shelf.documents)
    # At most two trailing words that name a plan (or look like a year), a topic word left.
    named: list[str] = []
    while len(named) < 2 and len(words) > 1 and _plan_shaped(shelf, words[-1]):
        named.insert(0, words.pop())
    found = [shelf.find(name) for name in named]
    plans = [plan for plan in found if plan is not None]
    if len(plans) < len(named):
        return UnknownPlans(tuple(n for n, p in zip(named, found, strict=True) if p is None), names)
    if len(plans) == 2 and plans[0] is plans[1]:
        return UnknownPlans(tuple(named), names)
    if len(plans) == 1:  # set against the newest (the one before it, when it is the newest)
        plans.append(shelf.documents[1] if plans[0] is shelf.documents[0] else shelf.documents[0])
    if not plans:
        plans = [shelf.documents[0], shelf.documents[1]]
    older, newer = sorted(plans, key=lambda c: (c.document.published, c.document.slug))
    query = " ".join(words).strip()
    catalog, index = services.library.catalog, services.index
    topic = catalog.resolve(query)
    if topic is not None:
        keys = index.topics.get(topic.slug, ())
    elif is_keyword_shaped(query):
        keys = index.keyword(fold(query))
    else:
        keys = ()

    def on_topic(slug: str) -> list[compare.Passage]:
        return [
            compare.Passage(key.rpartition(":")[2], index.texts[key])
            for key in keys
            if index.document_of.get(key) == slug
        ]

    older_passages = on_topic(older.document.slug)
    newer_passages = on_topic(newer.document.slug)
    if not older_passages and not newer_passages:
        return UnknownTopic(query, tuple(catalog.suggest(query)))
    return Compared(
        topic,
        query if topic is None else "",
        older.document,
        newer.document,
        compare.compare(older_passages, newer_passages),
        compare.SIMILAR_AT,
    )
