"""What a chat receives today: pure functions from the chat's follows and reading state to the
passages of one briefing. No Telegram, no database.

For each thing the chat follows (a topic or a keyword, in the order subscribed), the next passage
on it in document order that the chat has not yet received. At most N a briefing (the chat's
/items, 3 unless it chose otherwise), and at most ⌈N/3⌉ from any one follow, so that with the
default every follow gives one; with more follows than fit, a rotation resumes each day where the
last one stopped, so every follow gets its turn. A follow whose passages have all been received
starts again from its first: round 2, 3, … A chat that follows nothing reads the whole document
in order, ⌈N/3⌉ passages a briefing (one with the default).

Choosing advances the chat's reading state; what it changed is kept with the briefing (`Undo`),
so that a briefing not yet sent can be chosen again after the chat changes what it follows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from content.catalog import Catalog, fold
from content.parser import Document

MAX_PASSAGES = 3  # the default of /items
MIN_ITEMS, MAX_ITEMS = 1, 10  # what /items accepts
WHOLE_DOCUMENT = "all"


@dataclass(frozen=True)
class Follow:
    """Something a chat follows, with the keys ("S.O") of its passages in document order."""

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


@dataclass(frozen=True)
class Pick:
    follow_key: str
    label_zh: str
    label_en: str
    passage: str
    round: int

    @property
    def section_number(self) -> int:
        return int(self.passage.split(".", 1)[0])

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_zh

    def to_json(self) -> dict[str, Any]:
        return {"passage": self.passage, "follow": self.follow_key, "zh": self.label_zh,
                "en": self.label_en, "round": self.round}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Pick:
        return cls(
            str(data.get("follow", "")),
            str(data.get("zh") or ""),
            str(data.get("en") or ""),
            str(data["passage"]),
            int(data.get("round", 1)),
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

    def to_json(self) -> dict[str, Any]:
        return {
            "rotation": self.rotation,
            "cursors": {key: None if c is None else [c[0], c[1]] for key, c in self.cursors},
            "added": list(self.added),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Undo:
        cursors = tuple(
            (str(key), None if value is None else (int(value[0]), value[1]))
            for key, value in dict(data.get("cursors") or {}).items()
        )
        added = tuple(str(key) for key in data.get("added") or ())
        return cls(int(data.get("rotation", 0)), cursors, added)


@dataclass(frozen=True)
class BriefingPayload:
    """What a day's briefing quotes, as the ledger keeps it (JSON at the store's edge), and how
    to undo its choice in the reading state (None for rows from before undo was kept)."""

    document: str
    picks: tuple[Pick, ...]
    undo: Undo | None = None

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


class ContentIndex:
    """Passages by key and by topic, built once from the loaded content for the scheduler."""

    def __init__(self, document: Document, catalog: Catalog) -> None:
        self.texts: dict[str, str] = {}
        self.folded: dict[str, str] = {}
        for section in document.sections:
            for passage in section.passages:
                key = passage_key(section.number, passage.ordinal)
                self.texts[key] = passage.text
                self.folded[key] = fold(passage.text)
        self.order: tuple[str, ...] = tuple(self.texts)
        self.position = {key: i for i, key in enumerate(self.order)}
        self.topics = {
            topic.slug: tuple(key for key in self.order if topic.tags_folded(self.folded[key]))
            for topic in catalog.topics
        }
        self.catalog = catalog

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


def _next_for(follow: Follow, state: ReadingState, chosen: set[str]) -> Pick | None:
    if not follow.passages:
        return None
    round_, last = state.cursors.get(follow.key, (1, None))
    start = follow.passages.index(last) + 1 if last in follow.passages else 0
    for key in follow.passages[start:]:
        if key in chosen or (round_ == 1 and key in state.received):
            continue
        return Pick(follow.key, follow.label_zh, follow.label_en, key, round_)
    # Nothing left in this round: start again from the first passage.
    for key in follow.passages:
        if key not in chosen:
            return Pick(follow.key, follow.label_zh, follow.label_en, key, round_ + 1)
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
            pick = _next_for(follows[(start + step) % count], state, chosen)
            if pick is None:
                continue
            found = True
            picks.append(pick)
            chosen.add(pick.passage)
            state.cursors[pick.follow_key] = (pick.round, pick.passage)
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
    return picks, Undo(rotation, moved, tuple(sorted(state.received - received)))


def undo(state: ReadingState, change: Undo) -> None:
    """Take back one briefing's choice from `state`, in place (it must be the last one made)."""
    state.rotation = change.rotation
    for key, cursor in change.cursors:
        if cursor is None:
            state.cursors.pop(key, None)
        else:
            state.cursors[key] = cursor
    state.received.difference_update(change.added)
