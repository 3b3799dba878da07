"""What a chat receives today: pure functions from the chat's follows and reading state to the
passages of one briefing. No Telegram, no database.

For each thing the chat follows (a topic or a keyword, in the order subscribed), the next passage
on it in document order that the chat has not yet received. At most three a briefing; with more
follows, a rotation resumes each day where the last one stopped, so every follow gets its turn. A
follow whose passages have all been received starts again from its first: round 2, 3, …
A chat that follows nothing reads the whole document in order, a passage a day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from content.catalog import Catalog, fold
from content.parser import Document

MAX_PASSAGES = 3
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


@dataclass(frozen=True)
class BriefingPayload:
    """What a day's briefing quotes, as the ledger keeps it (JSON at the store's edge)."""

    document: str
    picks: tuple[Pick, ...]

    def to_json(self) -> dict[str, Any]:
        return {"document": self.document, "picks": [pick.to_json() for pick in self.picks]}


@dataclass(frozen=True)
class BroadcastPayload:
    """An owner's broadcast: their words, sent as they wrote them."""

    broadcast: int
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"broadcast": self.broadcast, "text": self.text}


Payload = BriefingPayload | BroadcastPayload


def payload_from_json(data: dict[str, Any]) -> Payload:
    """The ledger's JSON back as a payload; a row planned but not yet chosen reads as empty."""
    if "text" in data:
        return BroadcastPayload(int(data.get("broadcast", 0)), str(data["text"]))
    picks = tuple(Pick.from_json(pick) for pick in data.get("picks", ()))
    return BriefingPayload(str(data.get("document", "")), picks)


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


def compose(
    follows: Sequence[Follow], state: ReadingState, limit: int = MAX_PASSAGES
) -> list[Pick]:
    """Choose today's passages and advance `state` (cursors, received, rotation) in place."""
    picks: list[Pick] = []
    chosen: set[str] = set()
    count = len(follows)
    start = state.rotation % count if count else 0
    consumed = 0
    for step in range(count):
        if len(picks) >= limit:
            break
        consumed = step + 1
        pick = _next_for(follows[(start + step) % count], state, chosen)
        if pick is None:
            continue
        picks.append(pick)
        chosen.add(pick.passage)
        state.cursors[pick.follow_key] = (pick.round, pick.passage)
        state.received.add(pick.passage)
    state.rotation = (start + consumed) % count if count > limit else 0
    return picks
