"""Automatic section summaries for a document nobody has summarised yet (an imported work plan):
a few of the section's own sentences, picked, never rewritten, so that a card shows something
true until a curated file (content/summaries/<slug>.toml) takes over. The card labels them as
automatic (bot/replies/reading.py).

The pick: the section's first sentence (work plans open a section with its thrust), then the
sentences whose two-character sequences recur most in the section (what the section keeps
coming back to), shown in document order. Pure: a Document in, summaries out."""

from __future__ import annotations

import itertools
import re
from collections import Counter

from content.library import SectionSummary
from content.parser import Document, Section

MAX_POINTS = 3
POINT_LENGTH = 60  # characters of a point shown; longer sentences end in …
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _bigrams(text: str) -> list[str]:
    return [a + b for a, b in itertools.pairwise(text) if _CJK.match(a) and _CJK.match(b)]


def _shortened(text: str) -> str:
    return text if len(text) <= POINT_LENGTH else text[: POINT_LENGTH - 1].rstrip("，、；：") + "…"


def key_sentences(section: Section, limit: int = MAX_POINTS) -> tuple[str, ...]:
    """Up to `limit` of the section's sentences: the first, then the best-ranked, in order."""
    texts = [passage.text for passage in section.passages]
    if not texts:
        return (section.heading,) if section.heading else ()
    counts = Counter(gram for text in texts for gram in set(_bigrams(text)))

    def score(text: str) -> float:
        grams = set(_bigrams(text))
        return sum(counts[gram] - 1 for gram in grams) / (len(grams) + 5) if grams else 0.0

    ranked = sorted(range(1, len(texts)), key=lambda i: (-score(texts[i]), i))
    chosen = sorted([0, *ranked[: limit - 1]])
    return tuple(_shortened(texts[i]) for i in chosen)


def automatic_summaries(document: Document) -> dict[int, SectionSummary]:
    """A summary for every section, the same sentences for both languages (there is no English
    text to pick from: the card says so), with no English heading."""
    summaries: dict[int, SectionSummary] = {}
    for section in document.sections:
        points = key_sentences(section)
        summaries[section.number] = SectionSummary(section.number, "", points, points)
    return summaries
