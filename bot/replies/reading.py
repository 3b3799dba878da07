"""The table of contents and a section's card as replies, shared by /sections, /section, their
buttons and /start's deep links (`section_4`, or the contents after a link we do not know).
Also the parsing of a section argument: `4`, `四`, `第四部分`, `section 4` …"""

from __future__ import annotations

import functools
import re
import unicodedata

from telegram import InlineKeyboardMarkup

from bot import render
from bot.context import BotContext
from bot.i18n import Html, Translator
from bot.replies.answering import echo
from bot.store.repository import DocumentView, SectionView
from bot.usecases import reading
from content.numerals import parse_chinese_numeral

Reply = tuple[Html, InlineKeyboardMarkup | None]

_INTRO_NAMES = {"0", "总体思路", "intro", "introduction", "overview", "overallapproach"}
_SECTION_ARGUMENT = re.compile(
    r"^(?:section|sec|part|§|no\.?|#)?第?"
    r"(?P<number>-?\d+|[〇零一二三四五六七八九十]{1,3})"
    r"(?:部分|部|节|章)?[.、。:)]?$"
)
NOT_A_SECTION = -1  # a number no section can have (negative, or too long to be one)


def parse_section_argument(text: str) -> int | None:
    """`4`, `四`, `第四部分`, `第4部分`, `4.`, `４`, `section 4` → 4; 总体思路 → 0.

    None when it is not a number at all; NOT_A_SECTION for a number no section can have."""
    # Spaces go (第 4 部分), except between digits: "4 5" is not 45.
    normalized = re.sub(r"(?<!\d)\s+|\s+(?!\d)", "", unicodedata.normalize("NFKC", text).strip())
    normalized = normalized.lower()
    if normalized in _INTRO_NAMES:
        return 0
    match = _SECTION_ARGUMENT.match(normalized)
    if not match:
        return None
    number = match.group("number")
    if number.lstrip("-").isdigit():
        value = int(number) if len(number) <= 6 else NOT_A_SECTION
        return value if value >= 0 else NOT_A_SECTION
    return parse_chinese_numeral(number)


def no_content(context: BotContext) -> Reply:
    """What reading answers before any content is imported."""
    return context.services.translate(context.chat.language, "section.no_content"), None


async def contents_reply(context: BotContext, document: str = "") -> Reply:
    """The table of contents (of the newest document, or of the one `document` names), a button
    per section, in the resolved chat's language."""
    found = await reading.contents(context.services, document)
    if found is None:
        return no_content(context)
    translate, language = context.services.translate, context.chat.language
    return render.contents(translate, language, found.document, found.sections, found.document_key)


def card_reply(context: BotContext, card: reading.SectionCard) -> Reply:
    """A section's card: heading, curated points, full text and ‹ 目录 › buttons."""
    translate, language = context.services.translate, context.chat.language
    return _card(
        translate, language, card.document, card.section, tuple(card.numbers), card.document_key
    )


@functools.lru_cache(maxsize=256)
def _card(
    translate: Translator,
    language: str,
    document: DocumentView,
    section: SectionView,
    numbers: tuple[int, ...],
    document_key: str = "",
) -> Reply:
    """Cards are the most read answer and the same for every reader of a language: rendered once
    per content version (the views are frozen, the keyboard immutable), then shared."""
    text, keyboard = render.section_card(
        translate, language, document, section, numbers, document_key
    )
    if section.summary_automatic:  # picked by content/autosummary.py until a curated one comes
        text = Html(f"{text}\n\n{translate(language, 'summary.automatic')}")
    return text, keyboard


async def full_text_replies(context: BotContext, number: int, document: str = "") -> list[Reply]:
    """Section `number` verbatim, in as many messages as it takes, the last one with the card's
    navigation (‹ · contents · ›, as new messages: the text stays). [] when there is no such
    section."""
    found = await reading.full_text(context.services, number, document)
    if found is None:
        return []
    translate, language = context.services.translate, context.chat.language
    texts = render.full_text(
        translate, language, found.section, found.passages, found.keys, found.translation
    )
    keyboard = render.section_keyboard(
        translate,
        language,
        number,
        found.numbers,
        under_full_text=True,
        document_key=found.document_key,
    )
    return [(text, None) for text in texts[:-1]] + [(texts[-1], keyboard)]


_DOCUMENT_THEN_SECTION = re.compile(r"^\s*(?P<document>[A-Za-z0-9-]+?)[\s_]+(?P<section>\S.*)$")


async def split_document(context: BotContext, argument: str) -> tuple[str, str]:
    """`2022 4`, `2022_4` (a deep link) or `<slug> 4` → (document, section argument); anything
    else → ("", argument): the newest document. A year or slug alone names a document only
    while the bot has several (`/section 2022` with one document is section 2022, out of range,
    as it always was)."""
    match = _DOCUMENT_THEN_SECTION.match(argument)
    services = context.services
    if match and await reading.names_document(services, match.group("document")):
        return match.group("document"), match.group("section")
    alone = argument.strip()
    if (
        alone
        and await reading.document_count(services) > 1
        and await reading.names_document(services, alone)
    ):
        return alone, ""
    return "", argument


async def section_place(context: BotContext, argument: str) -> tuple[str, int | None]:
    """Where /section `argument` (or a `section_…` deep link) points: the document as named
    ("" for the newest) and the section number (None when it names none), for the reading
    view's button to open the page there."""
    document, argument = await split_document(context, argument)
    return document, parse_section_argument(argument) if argument.strip() else None


async def section_reply(context: BotContext, argument: str) -> Reply:
    """What /section `argument` answers: the card (of the newest document, or the one named
    first: `/section 2022 4`), a document's contents for its name alone, or a short note naming
    the valid range."""
    document, argument = await split_document(context, argument)
    if document and not argument:
        return await contents_reply(context, document)
    number = parse_section_argument(argument)
    found = await reading.find_section(context.services, number, document)
    if found is None:
        return no_content(context)
    if isinstance(found, reading.DocumentMissing):  # cannot happen: split_document checked it
        return no_content(context)
    if isinstance(found, reading.SectionMissing):
        key = "section.not_understood" if number is None else "section.out_of_range"
        shown = echo(argument) if number in (None, NOT_A_SECTION) else str(number)
        translate, language = context.services.translate, context.chat.language
        return translate(language, key, argument=shown, number=shown, last=found.last), None
    return card_reply(context, found)
