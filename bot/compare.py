"""What changed on a topic between two work plans: pure functions, no I/O.

Passages of the older and the newer plan on one topic are paired one to one by text similarity,
the most alike pair first: a pair at or above SIMILAR_AT is a passage *carried over* (identical,
or reworded); a newer passage left unpaired is *new*, an older one left unpaired was *dropped*.

The measure: difflib's SequenceMatcher ratio (2·matched characters / both lengths) over the
text folded (content.catalog.fold) and stripped of punctuation and blanks. Measured against
character bigram Jaccard on made-up rewordings of 13 passages of the 2022 plan and 18 pairs of
different commitments, most on a shared topic so sharing its words (tests/support/library.py;
`python bench/compare_threshold.py`):

    measure          reworded    different   gap    d′ (mean distance / pooled spread)
    difflib ratio    0.63–0.97   0.06–0.46   0.17   5.3
    bigram Jaccard   0.37–0.94   0.00–0.22   0.15   4.0

Both separate the two sets without error; difflib's ratio by the wider gap and d′. The threshold
sits in the middle of its gap: 0.55. Few pairs, written by one hand: a rewording that keeps less
than about half of its characters counts as new (and its original as dropped).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from content.catalog import fold

SIMILAR_AT = 0.55  # the ratio at or above which two passages are the same commitment


def _letters(text: str) -> str:
    """The folded text without punctuation, symbols or blanks: what a rewording keeps."""
    return "".join(ch for ch in fold(text) if unicodedata.category(ch)[0] in "LN")


def bigrams(text: str) -> set[str]:
    letters = _letters(text)
    if len(letters) < 2:
        return {letters} if letters else set()
    return {letters[i : i + 2] for i in range(len(letters) - 1)}


def bigram_jaccard(first: str, second: str) -> float:
    """|common bigrams| / |all bigrams| of the two passages (measured against, not used)."""
    a, b = bigrams(first), bigrams(second)
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def sequence_ratio(first: str, second: str) -> float:
    """difflib's SequenceMatcher ratio over the passages' letters (1.0 for the same text)."""
    return SequenceMatcher(None, _letters(first), _letters(second), autojunk=False).ratio()


similarity = sequence_ratio


@dataclass(frozen=True)
class Passage:
    """A passage of one plan: its key ("S.O") and text."""

    key: str
    text: str

    @property
    def section_number(self) -> int:
        return int(self.key.split(".", 1)[0])


@dataclass(frozen=True)
class Carried:
    """A passage the newer plan carries over from the older: identical or reworded."""

    older: Passage
    newer: Passage
    similarity: float

    @property
    def identical(self) -> bool:
        return _letters(self.older.text) == _letters(self.newer.text)


@dataclass(frozen=True)
class Comparison:
    """On one topic: what only the newer plan says, what only the older said, and what both
    say, each in its plan's order."""

    new: tuple[Passage, ...]
    dropped: tuple[Passage, ...]
    carried: tuple[Carried, ...]


def compare(
    older: Sequence[Passage], newer: Sequence[Passage], threshold: float = SIMILAR_AT
) -> Comparison:
    """Pair the passages one to one, the most similar pair first (ties in document order)."""
    scored = sorted(
        (
            (similarity(old.text, new.text), i, j)
            for i, old in enumerate(older)
            for j, new in enumerate(newer)
        ),
        key=lambda item: (-item[0], item[1], item[2]),
    )
    paired_old: dict[int, tuple[int, float]] = {}
    paired_new: set[int] = set()
    for score, i, j in scored:
        if score < threshold:
            break
        if i in paired_old or j in paired_new:
            continue
        paired_old[i] = (j, score)
        paired_new.add(j)
    carried = sorted(
        (Carried(older[i], newer[j], score) for i, (j, score) in paired_old.items()),
        key=lambda pair: newer.index(pair.newer),
    )
    return Comparison(
        tuple(p for j, p in enumerate(newer) if j not in paired_new),
        tuple(p for i, p in enumerate(older) if i not in paired_old),
        tuple(carried),
    )
