"""What a chat receives today: pure functions from the chat's follows and reading state to the
passages of one briefing. No Telegram, no database.

For each thing the chat follows (a topic or a keyword, in the order subscribed), the next passage
on it in document order that the chat has not yet received. At most N a briefing (the chat's
/items, 3 unless it chose otherwise), and at most ⌈N/3⌉ from any one follow, so that with the
default every follow gives one; with more follows than fit, a rotation resumes each day where the
last one stopped, so every follow gets its turn. A follow whose passages have all been received
starts again from its first: round 2, 3, … A chat that follows nothing reads the whole document
in order, ⌈N/3⌉ passages a briefing (one with the default).

Several documents (issue 14): a follow's passages run newest document first, and a passage never
received comes before any received one, in every round: when a new work plan is published, the
chat's next briefing leads with its passages on the chat's follows ("New: 《…》"), and a chat that
follows nothing starts reading it. A passage repeated word for word by a later plan counts as
received once either copy is.

Choosing advances the chat's reading state; what it changed is kept with the briefing (`Undo`),
so that a briefing not yet sent can be chosen again after the chat changes what it follows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from content.catalog import Catalog, fold
from content.library import Library
from content.parser import Document
from content.translation import Translation

MAX_PASSAGES = 3  # the default of /items
MIN_ITEMS, MAX_ITEMS = 1, 10  # what /items accepts
WHOLE_DOCUMENT = "all"


@dataclass(frozen=True)
class Follow:
    """Something a chat follows, with the keys of its passages in reading order: "S.O" for the
    newest document, "<slug>:S.O" for older ones (see ContentIndex)."""

    key: str  # "topic:<slug>", "keyword:<folded>", or WHOLE_DOCUMENT
    label_zh: str
    label_en: str
    passages: tuple[str, ...]

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_zh


@dataclass
class ReadingState:
    received: set[str] = field(default_factory=set)
    cursors: dict[str, tuple[int, str | None]] = field(default_factory=dict)  # key → (round, last)
    rotation: int = 0
    known: str = ""  # the document (slug) the chat was last briefed from: newer ones are news


@dataclass(frozen=True)
class Pick:
    """One passage of a briefing. In the ledger `passage` is "S.O" within `document` (a slug;
    "" in rows from before several documents: the payload's document). `source` names an older
    document for the reader (its year, "" for the newest) and `new` carries the zh and en titles
    of a document published since the chat's last briefing ("New: 《…》")."""

    follow_key: str
    label_zh: str
    label_en: str
    passage: str
    round: int
    document: str = ""
    source: str = ""
    new: tuple[str, str] | None = None

    @property
    def section_number(self) -> int:
        return int(self.passage.rpartition(":")[2].split(".", 1)[0])

    @property
    def local_key(self) -> str:
        """ "S.O" within the pick's document: how its translation names the passage."""
        return self.passage.rpartition(":")[2]

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_zh

    def new_title(self, language: str) -> str:
        if self.new is None:
            return ""
        return (self.new[1] or self.new[0]) if language == "en" else self.new[0]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "passage": self.passage,
            "follow": self.follow_key,
            "zh": self.label_zh,
            "en": self.label_en,
            "round": self.round,
        }
        if self.document:
            data["doc"] = self.document
        if self.source:
            data["source"] = self.source
        if self.new is not None:
            data["new"] = list(self.new)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Pick:
        new = data.get("new")
        return cls(
            str(data.get("follow", "")),
            str(data.get("zh") or ""),
            str(data.get("en") or ""),
            str(data["passage"]),
            int(data.get("round", 1)),
            str(data.get("doc") or ""),
            str(data.get("source") or ""),
            (str(new[0]), str(new[1])) if isinstance(new, list) and len(new) == 2 else None,
        )


Cursor = tuple[int, str | None]  # (round, last passage received on the follow)


@dataclass(frozen=True)
class Undo:
    """What choosing one briefing changed in the chat's reading state, to take it back: the
    rotation before, each cursor it moved as it was before (None: the follow had none yet), and
    the passages it added to `received`."""

    rotation: int
    cursors: tuple[tuple[str, Cursor | None], ...]
    added: tuple[str, ...]
    known: str = ""  # the document the chat had last been briefed from ("": not kept)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rotation": self.rotation,
            "cursors": {key: None if c is None else [c[0], c[1]] for key, c in self.cursors},
            "added": list(self.added),
        }
        if self.known:
            data["known"] = self.known
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Undo:
        cursors = tuple(
            (str(key), None if value is None else (int(value[0]), value[1]))
            for key, value in dict(data.get("cursors") or {}).items()
        )
        added = tuple(str(key) for key in data.get("added") or ())
        return cls(int(data.get("rotation", 0)), cursors, added, str(data.get("known") or ""))

    def mapped(self, change: Callable[[str], str]) -> Undo:
        """The same undo with every passage key passed through `change` (stored ↔ index keys)."""
        cursors = tuple(
            (key, None if c is None else (c[0], None if c[1] is None else change(c[1])))
            for key, c in self.cursors
        )
        return Undo(self.rotation, cursors, tuple(change(k) for k in self.added), self.known)


@dataclass(frozen=True)
class BriefingPayload:
    """What a day's briefing quotes, as the ledger keeps it (JSON at the store's edge), and how
    to undo its choice in the reading state (None for rows from before undo was kept)."""

    document: str
    picks: tuple[Pick, ...]
    undo: Undo | None = None

    def located_picks(self) -> tuple[Pick, ...]:
        """The picks, each naming its document: rows from before several documents name
        passages within the payload's document only."""
        if not self.document:
            return self.picks
        return tuple(p if p.document else replace(p, document=self.document) for p in self.picks)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "document": self.document,
            "picks": [pick.to_json() for pick in self.picks],
        }
        if self.undo is not None:
            data["undo"] = self.undo.to_json()
        return data


@dataclass(frozen=True)
class BroadcastPayload:
    """An owner's broadcast: their words, sent as they wrote them. The ledger stores only the
    broadcast's id (its text is in the broadcasts table, once); `text` is filled in when a row is
    claimed for sending. Rows from before that carry the text, and keep it."""

    broadcast: int
    text: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"broadcast": self.broadcast}
        if self.text is not None:
            data["text"] = self.text
        return data


Payload = BriefingPayload | BroadcastPayload


def payload_from_json(data: dict[str, Any]) -> Payload:
    """The ledger's JSON back as a payload; a row planned but not yet chosen reads as empty."""
    if "broadcast" in data or "text" in data:
        text = data.get("text")
        return BroadcastPayload(int(data.get("broadcast", 0)), None if text is None else str(text))
    picks = tuple(Pick.from_json(pick) for pick in data.get("picks", ()))
    undo = data.get("undo")
    return BriefingPayload(
        str(data.get("document", "")),
        picks,
        Undo.from_json(undo) if isinstance(undo, dict) else None,
    )


def passage_key(section_number: int, ordinal: int) -> str:
    return f"{section_number}.{ordinal}"


def qualified(key: str, slug: str) -> str:
    """ "S.O" within document `slug` as "<slug>:S.O" (a key that has its slug stays)."""
    return key if ":" in key or not slug else f"{slug}:{key}"


class ImportedDocument(Protocol):
    """What the index needs of a document the owner imported (bot.store's ImportedPlan)."""

    @property
    def slug(self) -> str: ...
    @property
    def title_en(self) -> str: ...
    @property
    def document(self) -> Document: ...


@dataclass(frozen=True)
class IndexedDocument:
    """A document as the briefing knows it: its slug, titles, and when it was published."""

    slug: str
    document: Document
    title_en: str = ""


class ContentIndex:
    """Passages by key and by topic across every document, built once from the loaded content
    for the scheduler.

    Keys: "S.O" for the newest document (as before there were several, so that a single
    document's briefings, ledger rows and tests read as they always did), "<slug>:S.O" for older
    ones. The store keeps every key qualified ("<slug>:S.O", `stored`), so that a newer document
    never makes an old key ambiguous; `from_stored` turns them back."""

    def __init__(
        self,
        document: Document,
        catalog: Catalog,
        *,
        slug: str = "",
        older: Sequence[IndexedDocument] = (),
        title_en: str = "",
    ) -> None:
        documents = [IndexedDocument(slug, document, title_en), *older]
        self.documents: tuple[IndexedDocument, ...] = tuple(documents)
        self.newest = slug
        self.texts: dict[str, str] = {}
        self.folded: dict[str, str] = {}
        self.document_of: dict[str, str] = {}
        for position, indexed in enumerate(documents):
            prefix = "" if position == 0 else f"{indexed.slug}:"
            for section in indexed.document.sections:
                for passage in section.passages:
                    key = prefix + passage_key(section.number, passage.ordinal)
                    self.texts[key] = passage.text
                    self.folded[key] = fold(passage.text)
                    self.document_of[key] = indexed.slug
        self.order: tuple[str, ...] = tuple(self.texts)
        self.position = {key: i for i, key in enumerate(self.order)}
        self.topics = {
            topic.slug: tuple(key for key in self.order if topic.tags_folded(self.folded[key]))
            for topic in catalog.topics
        }
        self.catalog = catalog
        # A passage a later plan repeats word for word: its copies, each received with the other.
        copies: dict[str, list[str]] = {}
        for key in self.order:
            copies.setdefault(self.folded[key], []).append(key)
        self.twins = {
            key: tuple(other for other in group if other != key)
            for group in copies.values()
            if len(group) > 1
            for key in group
        }
        self.published = {d.slug: d.document.published for d in documents}
        # Each document's English (ContentIndex.of fills it): briefings quote each pick in its own.
        self.translations: dict[str, Translation] = {}
        self.titles = {d.slug: (d.document.title, d.title_en) for d in documents}

    @classmethod
    def of(cls, library: Library, imported: Sequence[ImportedDocument] = ()) -> ContentIndex:
        """Every document of the library and every imported one, the newest first by
        publication date (the store's order: content/'s plans first on the same day)."""
        ordered = sorted(
            [
                *((plan.document.published, 0, n, plan) for n, plan in enumerate(library.plans)),
                *((doc.document.published, 1, n, doc) for n, doc in enumerate(imported)),
            ],
            key=lambda item: (-item[0].toordinal(), item[1], item[2]),
        )
        newest, *older = (item[3] for item in ordered)
        index = cls(
            newest.document,
            library.catalog,
            slug=newest.slug,
            older=[IndexedDocument(p.slug, p.document, p.title_en) for p in older],
            title_en=newest.title_en,
        )
        index.translations = {p.slug: p.translation for p in library.plans if p.translation}
        return index

    def stored(self, key: str) -> str:
        """The key as the store keeps it: always with its document's slug."""
        if ":" in key or not self.newest:
            return key
        return f"{self.newest}:{key}"

    def from_stored(self, key: str) -> str:
        """A stored key as this index names it (the newest document's lose their slug)."""
        slug, colon, local = key.rpartition(":")
        return local if colon and slug == self.newest else key

    def with_twins(self, received: Iterable[str]) -> set[str]:
        """`received` and every word-for-word copy of a passage in it."""
        keys = set(received)
        for key in list(keys):
            keys.update(self.twins.get(key, ()))
        return keys

    def year(self, slug: str) -> str:
        published = self.published.get(slug)
        return str(published.year) if published is not None else ""

    def keyword(self, folded_keyword: str) -> tuple[str, ...]:
        return tuple(key for key in self.order if folded_keyword in self.folded[key])

    def follows(self, subscriptions: Iterable[tuple[str, str, str]]) -> list[Follow]:
        """(kind, value, label) subscriptions → follows; the whole document when there are none."""
        follows: list[Follow] = []
        for kind, value, label in subscriptions:
            if kind == "topic":
                topic = self.catalog.by_slug(value)
                if topic is not None:
                    follows.append(
                        Follow(f"topic:{value}", topic.zh, topic.en, self.topics.get(value, ()))
                    )
            else:
                follows.append(Follow(f"keyword:{value}", label, label, self.keyword(value)))
        if not follows:
            follows.append(Follow(WHOLE_DOCUMENT, "", "", self.order))
        return follows

    def ledger_picks(self, picks: Sequence[Pick], known: str) -> tuple[Pick, ...]:
        """Picks as the ledger keeps them ("S.O" within their document), those of a document
        published after `known` (the one the chat was last briefed from) marked new and first."""
        known_date = self.published.get(known)
        marked: list[Pick] = []
        for pick in picks:
            slug = self.document_of.get(pick.passage, self.newest)
            new = None
            published = self.published.get(slug)
            if known_date is not None and published is not None and published > known_date:
                new = self.titles.get(slug)
            marked.append(
                replace(
                    pick,
                    passage=pick.local_key,
                    document=slug,
                    source="" if slug == self.newest else self.year(slug),
                    new=new,
                )
            )
        return tuple(sorted(marked, key=lambda pick: pick.new is None))


def _next_for(follow: Follow, state: ReadingState, chosen: set[str]) -> tuple[Pick, Cursor] | None:
    """The follow's next passage and its cursor after it. A passage never received comes first,
    wherever it stands (a new document's come first in `follow.passages`): in round 1 that is
    simply the next unread one; in a later round it is read as new (round 1) and the round's
    cursor stays where it was."""
    if not follow.passages:
        return None
    round_, last = state.cursors.get(follow.key, (1, None))
    for key in follow.passages:
        if key not in chosen and key not in state.received:
            pick = Pick(follow.key, follow.label_zh, follow.label_en, key, 1)
            return pick, ((1, key) if round_ == 1 else (round_, last))
    start = follow.passages.index(last) + 1 if last in follow.passages else 0
    for key in follow.passages[start:]:
        if key in chosen or round_ == 1:
            continue
        return Pick(follow.key, follow.label_zh, follow.label_en, key, round_), (round_, key)
    # Nothing left in this round: start again from the first passage.
    for key in follow.passages:
        if key not in chosen:
            pick = Pick(follow.key, follow.label_zh, follow.label_en, key, round_ + 1)
            return pick, (round_ + 1, key)
    return None


def per_follow(limit: int) -> int:
    """At most this many passages of a briefing come from one follow: ⌈limit/3⌉, so one each
    with the default of three, and a chat that follows one topic gets more when it asks for
    more."""
    return max(1, -(-limit // MAX_PASSAGES))


def compose(
    follows: Sequence[Follow], state: ReadingState, limit: int = MAX_PASSAGES
) -> list[Pick]:
    """Choose today's passages and advance `state` (cursors, received, rotation) in place: the
    follows in turn from where the rotation stopped, one passage each; again while the briefing
    has room, up to `per_follow(limit)` passages from each."""
    picks: list[Pick] = []
    chosen: set[str] = set()
    count = len(follows)
    start = state.rotation % count if count else 0
    share = per_follow(limit)
    consumed = 0  # turns taken, across the passes
    for _ in range(share):
        found = False
        for step in range(count):
            if len(picks) >= limit:
                break
            consumed += 1
            found_next = _next_for(follows[(start + step) % count], state, chosen)
            if found_next is None:
                continue
            pick, cursor = found_next
            found = True
            picks.append(pick)
            chosen.add(pick.passage)
            state.cursors[pick.follow_key] = cursor
            state.received.add(pick.passage)
        if not found or len(picks) >= limit:
            break
    # When not every follow can have its full share, the next briefing starts where this stopped.
    state.rotation = (start + consumed) % count if count * share > limit else 0
    return picks


def compose_undoable(
    follows: Sequence[Follow],
    state: ReadingState,
    limit: int = MAX_PASSAGES,
    fallback: Sequence[Follow] = (),
) -> tuple[list[Pick], Undo]:
    """`compose`, and what it changed in `state`, to undo it. With `fallback` (the whole
    document), used when the follows give nothing (what they follow is gone from the text)."""
    rotation, cursors, received = state.rotation, dict(state.cursors), set(state.received)
    picks = compose(follows, state, limit)
    if not picks and fallback:
        picks = compose(fallback, state, limit)
    moved = tuple(
        (key, cursors.get(key)) for key in state.cursors if state.cursors[key] != cursors.get(key)
    )
    added = tuple(sorted(state.received - received))
    return picks, Undo(rotation, moved, added, state.known)


def undo(state: ReadingState, change: Undo) -> None:
    """Take back one briefing's choice from `state`, in place (it must be the last one made)."""
    state.rotation = change.rotation
    if change.known:
        state.known = change.known
    for key, cursor in change.cursors:
        if cursor is None:
            state.cursors.pop(key, None)
        else:
            state.cursors[key] = cursor
    state.received.difference_update(change.added)
