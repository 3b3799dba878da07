"""The topic catalogue: names and aliases people use (海牙, Hague, GI …), the terms that tag a
passage with a topic, and the matching rules shared by tagging, subscriptions and search.

Matching ignores case, full-/half-width differences and blanks (the reprint writes "北京 2022 年"
and "( RCEP )"; people type "2022年" and "RCEP"). Pure: text in, answers out.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from content.errors import ContentError

TOPICS_FILE = Path(__file__).resolve().parent / "topics.toml"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,23}$")
_BLANKS = re.compile(r"\s+")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def without_controls(text: str) -> str:
    """User text minus control characters (NUL above all): no database stores them and no
    search means them. Line breaks and tabs stay."""
    return _CONTROLS.sub("", text)


def fold(text: str) -> str:
    """The form every comparison uses: NFKC (full-width → half-width), casefolded, no blanks,
    no control characters."""
    return _BLANKS.sub("", without_controls(unicodedata.normalize("NFKC", text)).casefold())


@dataclass(frozen=True)
class Topic:
    slug: str
    zh: str
    en: str
    aliases: tuple[str, ...]
    terms: tuple[str, ...]
    exclude: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.zh, self.en, *self.aliases)

    def name(self, language: str) -> str:
        return self.en if language == "en" else self.zh

    @cached_property
    def _folded_terms(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return tuple(fold(p) for p in self.exclude), tuple(fold(t) for t in self.terms)

    def tags(self, text: str) -> bool:
        """Whether a passage is on this topic: a term occurs outside every exclusion phrase."""
        return self.tags_folded(fold(text))

    def tags_folded(self, folded: str) -> bool:
        """`tags` for a text already folded (tagging many topics folds each passage once)."""
        exclude, terms = self._folded_terms
        for phrase in exclude:
            folded = folded.replace(phrase, "\0")
        return any(term in folded for term in terms)


class Catalog:
    """All topics, and every name that stands for one of them."""

    def __init__(self, topics: tuple[Topic, ...]) -> None:
        self.topics = topics
        self._by_name = self._index()

    def _index(self) -> dict[str, Topic]:
        index: dict[str, Topic] = {}
        for topic in self.topics:
            for name in (topic.slug, *topic.names):
                key = fold(name)
                other = index.get(key)
                if other is not None and other is not topic:
                    raise ContentError(
                        f"topics: {name!r} names both '{other.slug}' and '{topic.slug}'"
                    )
                index[key] = topic
        return index

    def by_slug(self, slug: str) -> Topic | None:
        return next((topic for topic in self.topics if topic.slug == slug), None)

    def resolve(self, query: str) -> Topic | None:
        """The topic a name, alias, abbreviation or slug stands for, whatever its case or width."""
        return self._by_name.get(fold(query))

    def tags(self, text: str) -> tuple[str, ...]:
        folded = fold(text)
        return tuple(topic.slug for topic in self.topics if topic.tags_folded(folded))

    def suggest(self, query: str, limit: int = 3) -> list[Topic]:
        """The catalogue topics nearest to a query that matched nothing (for a helpful answer)."""
        key = fold(query)
        if not key:
            return []
        scored: list[tuple[float, int, Topic]] = []
        for position, topic in enumerate(self.topics):
            best = 0.0
            for name in topic.names:
                folded = fold(name)
                ratio = difflib.SequenceMatcher(None, key, folded).ratio()
                if key in folded or folded in key:
                    ratio = max(ratio, 0.75)
                if set(key) & set(folded):
                    ratio += 0.05 * len(set(key) & set(folded)) / len(set(key))
                best = max(best, ratio)
            scored.append((best, -position, topic))
        scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
        return [topic for score, _, topic in scored[:limit] if score >= 0.3]


def _strings(path: Path, slug: str, entry: dict[str, object], key: str) -> tuple[str, ...]:
    values = entry.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise ContentError(f"{path}: topic '{slug}': {key} must be a list of non-empty strings")
    return tuple(values)


def load_catalog(path: Path = TOPICS_FILE) -> Catalog:
    """Read and validate the catalogue; ContentError names the file and the topic at fault."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ContentError(f"{path}: {exc}") from exc
    topics: list[Topic] = []
    for entry in data.get("topics", []):
        slug = str(entry.get("slug", ""))
        if not SLUG.match(slug):
            raise ContentError(f"{path}: slug {slug!r} must be lowercase ASCII, digits, '-'")
        zh, en = str(entry.get("zh", "")).strip(), str(entry.get("en", "")).strip()
        if not zh or not en:
            raise ContentError(f"{path}: topic '{slug}' needs a zh and an en name")
        terms = _strings(path, slug, entry, "terms")
        if not terms:
            raise ContentError(f"{path}: topic '{slug}' has no terms to tag passages with")
        topics.append(
            Topic(
                slug,
                zh,
                en,
                _strings(path, slug, entry, "aliases"),
                terms,
                _strings(path, slug, entry, "exclude"),
            )
        )
    if len({t.slug for t in topics}) != len(topics):
        raise ContentError(f"{path}: two topics share a slug")
    return Catalog(tuple(topics))
