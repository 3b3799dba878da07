"""Parse a CNIPA work plan, as reprinted on the web, into Document → Section → Passage.

The reprint is Markdown-ish: a `# title` line, a `发布时间：YYYY-MM-DD` line, an intro paragraph
(总体思路), sections whose heading is a bold `**一、…。**` run at the start of a paragraph, and a
trailer (`出所：…` and the source link). Page breaks in the reprint split sentences into separate
paragraphs; the rule that repairs them is structural, not a list of cases: a paragraph that does not
open a section (and is not the trailer) continues the paragraph before it.

Pure functions: text in, frozen dataclasses out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from content.numerals import parse_chinese_numeral, to_chinese_numeral

INTRO_NUMBER = 0
INTRO_HEADING = "总体思路"
SENTENCE_END = "。"

_TITLE = re.compile(r"^#\s+(?P<title>\S.*?)\s*$")
_PUBLISHED = re.compile(r"^发布时间\s*[:：]\s*(?P<date>\d{4}-\d{2}-\d{2})\s*$")
_SECTION = re.compile(
    r"^\*\*(?P<numeral>[〇一二三四五六七八九十]+)、(?P<heading>.+?)\*\*(?P<rest>.*)$"
)
_SOURCE = re.compile(r"^出所\s*[:：]")
_LINK = re.compile(r"^\[(?P<label>[^\]]*)\]\((?P<url>[^)\s]+)\)\s*$")
_BARE_URL = re.compile(r"^(?P<url>https?://\S+)\s*$")
_MARKDOWN_ESCAPE = re.compile(r"\\+(?=[_*\[\]()#])")
# A sub-item that opens a paragraph: （一）, (二), 1. 2、 (not "1.5倍": a digit follows the dot).
SUB_ITEM = re.compile(r"^(?:[（(][〇一二三四五六七八九十]{1,3}[）)]|\d{1,2}[.．、](?!\d))")
SUB_ITEM_BREAK = "\n"  # kept in a body before a sub-item; passages are cut there too
SUB_ITEM_HEADING = 30  # characters: a sub-item paragraph this short without a stop is a heading


class ParseError(ValueError):
    """The text does not have the shape of a work plan; the message says which line and why."""


@dataclass(frozen=True)
class Passage:
    """One sentence of a section, verbatim, ending with 。 (the last one may lack it)."""

    section_number: int
    ordinal: int
    text: str


@dataclass(frozen=True)
class Section:
    """A numbered section; number 0 is the intro paragraph (总体思路)."""

    number: int
    heading: str
    body: str
    passages: tuple[Passage, ...]

    @property
    def numeral(self) -> str:
        """一 … 八 as in the heading; the intro has none and shows as 总体思路."""
        return to_chinese_numeral(self.number) if self.number else ""


@dataclass(frozen=True)
class Document:
    title: str
    published: date
    source_url: str
    sections: tuple[Section, ...]

    @property
    def intro(self) -> Section:
        return self.sections[0]

    @property
    def numbered_sections(self) -> tuple[Section, ...]:
        return self.sections[1:]


def split_passages(section_number: int, body: str) -> tuple[Passage, ...]:
    """Cut a body after every 。 (and before every sub-item, where the body has a line break) so
    that joining the passages gives the body back, minus blanks."""
    passages: list[Passage] = []
    start = 0
    for index, char in enumerate(body):
        if char in (SENTENCE_END, SUB_ITEM_BREAK):
            _append_passage(passages, section_number, body[start : index + 1])
            start = index + 1
    _append_passage(passages, section_number, body[start:])
    return tuple(passages)


def _append_passage(passages: list[Passage], section_number: int, text: str) -> None:
    text = text.strip()
    if text:
        passages.append(Passage(section_number, len(passages) + 1, text))


def _paragraphs(text: str) -> list[tuple[int, str]]:
    """Blank-line separated paragraphs, each with the line number it starts on (1-based)."""
    paragraphs: list[tuple[int, str]] = []
    current: list[str] = []
    start_line = 0
    for line_number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            if not current:
                start_line = line_number
            current.append(line.strip())
        elif current:
            paragraphs.append((start_line, "".join(current)))
            current = []
    if current:
        paragraphs.append((start_line, "".join(current)))
    return paragraphs


def _after_item_heading(parts: list[str]) -> bool:
    """Whether the paragraph before is a sub-item's own short heading (（一）完善保护体系, no full
    stop): what follows it is the item's text, not the rest of a sentence a page break split."""
    if not parts or not parts[-1].startswith(SUB_ITEM_BREAK):
        return False
    last = parts[-1][1:]
    return len(last) <= SUB_ITEM_HEADING and last[-1] not in "。；;，,、：:"


def _unescape_markdown(text: str) -> str:
    return _MARKDOWN_ESCAPE.sub("", text)


def parse_document(text: str) -> Document:
    """Parse the whole text; raises ParseError naming the first line that breaks the shape."""
    title: str | None = None
    published: date | None = None
    source_url = ""
    intro_parts: list[str] = []
    sections: list[tuple[int, str, list[str]]] = []
    in_trailer = False

    for line_number, paragraph in _paragraphs(text):
        if in_trailer:
            link = _LINK.match(paragraph) or _BARE_URL.match(paragraph)
            if link and not source_url:
                source_url = _unescape_markdown(link.group("url"))
            continue
        if title is None:
            match = _TITLE.match(paragraph)
            if not match:
                raise ParseError(f"line {line_number}: expected the '# title' line first")
            title = match.group("title")
            continue
        if published is None and (match := _PUBLISHED.match(paragraph)):
            published = date.fromisoformat(match.group("date"))
            continue
        if _SOURCE.match(paragraph):
            in_trailer = True
            continue
        if match := _SECTION.match(paragraph):
            number = parse_chinese_numeral(match.group("numeral"))
            expected = len(sections) + 1
            if number != expected:
                raise ParseError(
                    f"line {line_number}: section {match.group('numeral')} where section "
                    f"{expected} was expected"
                )
            sections.append((number, match.group("heading"), [match.group("rest")]))
            continue
        # Not a heading, not the trailer: the paragraph continues the one before it (a page
        # break split it), unless it opens a sub-item (（一）, 1.), which starts a new passage.
        parts = sections[-1][2] if sections else intro_parts
        starts_item = SUB_ITEM.match(paragraph) or _after_item_heading(parts)
        parts.append(SUB_ITEM_BREAK + paragraph if starts_item else paragraph)

    if title is None:
        raise ParseError("the text is empty")
    if published is None:
        raise ParseError("no '发布时间：YYYY-MM-DD' line")
    if not sections:
        raise ParseError("no section heading like '**一、…。**'")

    intro_body = "".join(intro_parts).strip()
    parsed = [Section(INTRO_NUMBER, INTRO_HEADING, intro_body, split_passages(0, intro_body))]
    for number, heading, parts in sections:
        body = "".join(parts).strip()
        parsed.append(Section(number, heading, body, split_passages(number, body)))
    return Document(title, published, source_url, tuple(parsed))
