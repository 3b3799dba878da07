"""Curated English translations of the documents, and the glossary they follow.

A translation is a TOML file per document, `content/translations/<slug>.toml`, keyed by passage
id "S.O" (section number, ordinal in the section: bot.briefing.passage_key), edited like the
summaries by a person; `content/glossary.toml` gives the official or established English name of
each law, plan, treaty and body the text cites. Code only reads them (and tests hold every
translation to its original)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from content.errors import ContentError


@dataclass(frozen=True)
class GlossaryEntry:
    zh: str  # as the Chinese text writes it, e.g. 《海牙协定》 or 专利开放许可
    en: str  # the English name to use, e.g. "Hague Agreement"
    note: str = ""


@dataclass(frozen=True)
class Glossary:
    entries: tuple[GlossaryEntry, ...] = ()

    def english(self, zh: str) -> str | None:
        return next((entry.en for entry in self.entries if entry.zh == zh), None)


@dataclass(frozen=True)
class Translation:
    """One document in English: its title, section headings (0 is the intro) and passages."""

    document: str  # the document's slug
    title: str
    headings: dict[int, str] = field(default_factory=dict)
    passages: dict[str, str] = field(default_factory=dict)  # "S.O" → English

    def passage(self, key: str) -> str | None:
        return self.passages.get(key)

    def heading(self, number: int) -> str | None:
        return self.headings.get(number)


def load_glossary(path: Path) -> Glossary:
    """`[[terms]]` tables with `zh`, `en` and an optional `note`."""
    if not path.exists():
        return Glossary()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"{path.name}: {exc}") from exc
    entries = tuple(
        GlossaryEntry(str(term["zh"]), str(term["en"]), str(term.get("note", "")))
        for term in data.get("terms", [])
    )
    return Glossary(entries)


def load_translation(path: Path) -> Translation:
    """`document`, `title`, `[headings]` ("0" … "8" → English) and `[passages]` ("S.O" →
    English)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"{path.name}: {exc}") from exc
    headings = {int(number): str(text).strip() for number, text in data.get("headings", {}).items()}
    passages = {str(key): str(text).strip() for key, text in data.get("passages", {}).items()}
    return Translation(
        str(data.get("document", path.stem)), str(data.get("title", "")), headings, passages
    )
