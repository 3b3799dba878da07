"""Curated English translations of the documents, and the glossary they follow.

A translation is a TOML file per document, `content/translations/<slug>.toml`, keyed by passage
id "S.O" (section number, ordinal in the section: bot.briefing.passage_key), edited like the
summaries by a person; `content/glossary.toml` gives the official or established English name of
each law, plan, treaty and body the text cites. Code only reads them (and tests hold every
translation to its original: `translation_problems` says what does not match)."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from content.errors import ContentError
from content.parser import Document

PASSAGE_KEY = re.compile(r"(?P<section>[0-9]+)\.(?P<ordinal>[1-9][0-9]*)")
_SECTION_KEY = re.compile(r"[0-9]+")
_BOOK_TITLE = re.compile(r"《[^《》]+》")
_ARABIC_NUMBER = re.compile(r"\d+")
_LATIN_ACRONYM = re.compile(r"(?<![A-Za-z])[A-Z]{2,}(?![A-Za-z])")
_DASHES = re.compile(r"[‐‑‒–—―−－]")
_WHITESPACE = re.compile(r"\s+")
_QUOTES = str.maketrans({"“": None, "”": None, '"': None, "‘": "'", "’": "'"})
_TRAILING_ACRONYM = re.compile(r"^(?P<name>.+?)\s*\((?P<acronym>[A-Z][A-Za-z0-9]+)\)$")


@dataclass(frozen=True)
class GlossaryEntry:
    zh: str  # as the Chinese text writes it, e.g. 《海牙协定》 or 专利开放许可
    en: str  # the English name to use, e.g. "Hague Agreement"
    note: str = ""

    @property
    def is_title(self) -> bool:
        """A 《…》 title: its English name must appear in full, as written."""
        return self.zh.startswith("《") and self.zh.endswith("》")


@dataclass(frozen=True)
class Glossary:
    entries: tuple[GlossaryEntry, ...] = ()

    def entry(self, zh: str) -> GlossaryEntry | None:
        """The entry for a term, blanks, full-width forms and dash styles ignored (the text
        writes 《知识产权强国建设纲要（2021-2035 年）》 with and without the blank)."""
        key = _zh_key(zh)
        return next((entry for entry in self.entries if _zh_key(entry.zh) == key), None)

    def english(self, zh: str) -> str | None:
        entry = self.entry(zh)
        return entry.en if entry else None

    def find(self, text: str) -> list[GlossaryEntry]:
        """The glossary terms in a Chinese text, leftmost-longest and without overlaps, so that a
        term inside a longer one (地理标志 in a title, 国家知识产权局 in 金砖国家知识产权局局长会议)
        counts only as part of that one."""
        keys = sorted(((_zh_key(e.zh), e) for e in self.entries), key=lambda p: -len(p[0]))
        compact = _zh_key(text)
        found: list[GlossaryEntry] = []
        index = 0
        while index < len(compact):
            match = next(((k, e) for k, e in keys if k and compact.startswith(k, index)), None)
            if match is None:
                index += 1
                continue
            found.append(match[1])
            index += len(match[0])
        return found


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


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ContentError(f"{path.name}: {exc}") from exc


def _text(path: Path, where: str, value: object) -> str:
    if not isinstance(value, str):
        hint = ' (write the key in quotes: "1.2" = …)' if isinstance(value, dict) else ""
        raise ContentError(f"{path.name}: {where} must be a string{hint}")
    return value.strip()


def _table(path: Path, data: dict[str, Any], name: str) -> dict[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise ContentError(f"{path.name}: [{name}] must be a table")
    return table


def load_glossary(path: Path) -> Glossary:
    """`[[terms]]` tables with `zh`, `en` and an optional `note`; a term may appear once."""
    if not path.exists():
        return Glossary()
    data = _read(path)
    terms = data.get("terms", [])
    if not isinstance(terms, list):
        raise ContentError(f"{path.name}: terms must be [[terms]] tables")
    entries: list[GlossaryEntry] = []
    seen: set[str] = set()
    for number, term in enumerate(terms, start=1):
        if not isinstance(term, dict) or "zh" not in term or "en" not in term:
            raise ContentError(f"{path.name}: term {number} needs zh and en")
        zh = _text(path, f"term {number} zh", term["zh"])
        en = _text(path, f"term {number} ({zh}) en", term["en"])
        note = _text(path, f"term {number} ({zh}) note", term.get("note", ""))
        if not zh or not en:
            raise ContentError(f"{path.name}: term {number} has an empty zh or en")
        if _zh_key(zh) in seen:
            raise ContentError(f"{path.name}: {zh} appears twice")
        seen.add(_zh_key(zh))
        entries.append(GlossaryEntry(zh, en, note))
    return Glossary(tuple(entries))


def load_translation(path: Path) -> Translation:
    """`document`, `title`, `[headings]` ("0" … "8" → English) and `[passages]` ("S.O" →
    English). Raises ContentError, naming the file, for bad TOML, keys or values."""
    data = _read(path)
    headings: dict[int, str] = {}
    for key, text in _table(path, data, "headings").items():
        if not _SECTION_KEY.fullmatch(key):
            raise ContentError(f"{path.name}: heading {key!r} is not a section number")
        headings[int(key)] = _text(path, f"heading {key}", text)
    passages: dict[str, str] = {}
    for key, text in _table(path, data, "passages").items():
        value = _text(path, f"passage {key}", text)
        if not PASSAGE_KEY.fullmatch(key):
            raise ContentError(f'{path.name}: passage {key!r} is not a passage id like "1.2"')
        passages[key] = value
    document = _text(path, "document", data.get("document", path.stem))
    return Translation(document, _text(path, "title", data.get("title", "")), headings, passages)


# --- Checks: what a translation must keep of its original -----------------------------------


def _zh_key(text: str) -> str:
    return _WHITESPACE.sub("", _DASHES.sub("-", unicodedata.normalize("NFKC", text)))


def _plain(text: str) -> str:
    """English for comparison: one kind of dash and blank, no double quotes."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return _WHITESPACE.sub(" ", _DASHES.sub("-", text))


def arabic_numbers(text: str) -> list[str]:
    """Every run of digits, full-width ones as ASCII; a range 2021—2035 gives both numbers."""
    return _ARABIC_NUMBER.findall(unicodedata.normalize("NFKC", text))


def book_titles(text: str) -> list[str]:
    """Every 《…》 title, in order: 《工业品外观设计国际注册海牙协定》（以下简称《海牙协定》）
    gives two."""
    return _BOOK_TITLE.findall(text)


def latin_acronyms(text: str) -> list[str]:
    """Latin capitals written in the Chinese (RCEP, CPTPP, WTO, TISC …)."""
    return _LATIN_ACRONYM.findall(unicodedata.normalize("NFKC", text))


def renders(entry: GlossaryEntry, english: str) -> bool:
    """Does `english` use the glossary's name for `entry`? A title must appear in full, as
    written; another term in any case, as a plural's singular, or, when its name ends in an
    acronym ("World Trade Organization (WTO)"), by either the name or the acronym."""
    text, name = _plain(english), _plain(entry.en)
    if entry.is_title:
        return name in text
    forms = {name}
    if match := _TRAILING_ACRONYM.match(name):
        forms.add(match["name"])
        if re.search(rf"(?<![A-Za-z]){re.escape(match['acronym'])}", text):
            return True
    forms |= {form[:-1] for form in forms if form.endswith("s")}
    return any(form.casefold() in text.casefold() for form in forms)


def text_problems(label: str, chinese: str, english: str, glossary: Glossary) -> list[str]:
    """What `english` loses of `chinese`: numbers, 《…》 titles, glossary terms, acronyms."""
    if not english.strip():
        return [f"{label}: no English"]
    problems: list[str] = []
    missing = Counter(arabic_numbers(chinese)) - Counter(arabic_numbers(english))
    if missing:
        problems.append(f"{label}: numbers {sorted(missing)} are not in the English")
    for title in book_titles(chinese):
        if glossary.entry(title) is None:
            problems.append(f"{label}: {title} is not in the glossary")
    for entry in glossary.find(chinese):
        if not renders(entry, english):
            problems.append(f"{label}: {entry.zh} should be rendered {entry.en!r}")
    for acronym in dict.fromkeys(latin_acronyms(chinese)):
        if not re.search(rf"(?<![A-Za-z]){acronym}", english):
            problems.append(f"{label}: {acronym} is not in the English")
    return problems


def translation_problems(
    document: Document, translation: Translation, glossary: Glossary
) -> list[str]:
    """Every way the translation fails its document: a passage, heading or the title missing,
    empty or unknown, or losing a number, title, glossary term or acronym of the Chinese."""
    problems = text_problems("title", document.title, translation.title, glossary)
    keys: set[str] = set()
    for section in document.sections:
        problems += text_problems(
            f"heading {section.number}",
            section.heading,
            translation.heading(section.number) or "",
            glossary,
        )
        for passage in section.passages:
            key = f"{section.number}.{passage.ordinal}"
            keys.add(key)
            english = translation.passage(key) or ""
            problems += text_problems(f"passage {key}", passage.text, english, glossary)
    stray = sorted(translation.passages.keys() - keys)
    problems += [f"passage {key}: not in the document" for key in stray]
    problems += [
        f"heading {number}: not in the document"
        for number in translation.headings.keys() - {s.number for s in document.sections}
    ]
    return problems
