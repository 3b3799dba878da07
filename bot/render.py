"""Turn stored content into Telegram messages: HTML text under 4096 characters, inline keyboards,
and callback data under 64 bytes. Everything from the document or a user is escaped here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.briefing import Pick
from bot.callbacks import Action, Callback
from bot.i18n import Html, Translator, escape
from bot.store.repository import DocumentView, SectionView
from content.numerals import to_chinese_numeral

MESSAGE_LIMIT = 4096
BUTTON_LABEL_LIMIT = 28


def section_reference(translate: Translator, language: str, number: int) -> str:
    """〔四〕 — how a passage cites its section."""
    if number == 0:
        return translate.plain(language, "section.intro_reference")
    return translate.plain(language, "section.reference", numeral=to_chinese_numeral(number))


def section_label(translate: Translator, language: str, number: int) -> str:
    if number == 0:
        return translate.plain(language, "section.intro_label")
    return translate.plain(
        language, "section.label", numeral=to_chinese_numeral(number), number=number
    )


def section_title(section: SectionView) -> str:
    """The heading as the document prints it: 四、建设一流….。"""
    if section.number == 0:
        return section.heading
    return f"{to_chinese_numeral(section.number)}、{section.heading}"


def _shorten(text: str, limit: int = BUTTON_LABEL_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section_card(
    translate: Translator,
    language: str,
    document: DocumentView,
    section: SectionView,
    numbers: Sequence[int],
) -> tuple[Html, InlineKeyboardMarkup]:
    """Heading, the curated points in the chat's language, and the reading buttons."""
    label = section_label(translate, language, section.number)
    lines = [f"<b>{escape(section_title(section))}</b>"]
    if language == "en" and section.heading_en:
        lines.append(f"<i>{escape(section.heading_en)}</i>")
    lines.append(translate(language, "section.card_source", title=document.title, label=label))
    lines.append("")
    points = section.summary_en if language == "en" else section.summary_zh
    lines.extend(f"• {escape(point)}" for point in points)
    return Html("\n".join(lines)), section_keyboard(translate, language, section.number, numbers)


def section_keyboard(
    translate: Translator, language: str, number: int, numbers: Sequence[int]
) -> InlineKeyboardMarkup:
    index = numbers.index(number)
    navigation: list[InlineKeyboardButton] = []
    if index > 0:
        previous = numbers[index - 1]
        navigation.append(
            InlineKeyboardButton(
                translate.plain(
                    language, "button.previous", label=_nav_label(translate, language, previous)
                ),
                callback_data=Callback(Action.OPEN_SECTION, str(previous)).encode(),
            )
        )
    navigation.append(
        InlineKeyboardButton(
            translate.plain(language, "button.contents"),
            callback_data=Callback(Action.CONTENTS).encode(),
        )
    )
    if index < len(numbers) - 1:
        following = numbers[index + 1]
        navigation.append(
            InlineKeyboardButton(
                translate.plain(
                    language, "button.next", label=_nav_label(translate, language, following)
                ),
                callback_data=Callback(Action.OPEN_SECTION, str(following)).encode(),
            )
        )
    full_text = InlineKeyboardButton(
        translate.plain(language, "button.full_text"),
        callback_data=Callback(Action.FULL_TEXT, str(number)).encode(),
    )
    return InlineKeyboardMarkup([[full_text], navigation])


def _nav_label(translate: Translator, language: str, number: int) -> str:
    if number == 0:
        return translate.plain(language, "section.nav_intro")
    return to_chinese_numeral(number) if language == "zh" else str(number)


def contents(
    translate: Translator, language: str, document: DocumentView, sections: Iterable[SectionView]
) -> tuple[Html, InlineKeyboardMarkup]:
    """The table of contents: every heading in the text, and a button per section."""
    lines = [
        translate(
            language,
            "sections.header",
            title=document.title,
            title_en=document.title_en,
            published=document.published.isoformat(),
            url=document.source_url,
        ),
        "",
    ]
    buttons: list[list[InlineKeyboardButton]] = []
    for section in sections:
        if section.number == 0:
            heading = translate.plain(language, "sections.intro")
        else:
            heading = section_title(section)
        label = heading
        if language == "en" and section.number and section.heading_en:
            lines.append(f"{escape(heading)}\n    <i>{escape(section.heading_en)}</i>")
            label = f"{section.number}. {section.heading_en}"
        else:
            lines.append(escape(heading))
        buttons.append(
            [
                InlineKeyboardButton(
                    _shorten(label, BUTTON_LABEL_LIMIT if language == "zh" else 48),
                    callback_data=Callback(Action.OPEN_SECTION, str(section.number)).encode(),
                )
            ]
        )
    lines.extend(["", translate(language, "sections.hint")])
    return Html("\n".join(lines)), InlineKeyboardMarkup(buttons)


def pack(pieces: Iterable[str], budget: int) -> list[str]:
    """Join plain-text pieces into chunks of at most `budget` characters, never splitting a piece
    unless it alone is too long. Counted before escaping: Telegram counts the text it shows."""
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        while len(piece) > budget:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(piece[:budget])
            piece = piece[budget:]
        if current and len(current) + len(piece) > budget:
            chunks.append(current)
            current = ""
        current += piece
    if current:
        chunks.append(current)
    return chunks


def full_text(
    translate: Translator, language: str, section: SectionView, passages: Sequence[str]
) -> list[Html]:
    """The section verbatim, split at sentence boundaries into messages under the limit."""
    label = section_label(translate, language, section.number)
    title = f"<b>{escape(section_title(section))}</b>"
    # The headers' HTML is longer than what Telegram counts of it: a safe margin.
    longest_header = translate(
        language, "section.full_text_continued", label=label, part=999, parts=999
    )
    budget = MESSAGE_LIMIT - len(longest_header) - len(title) - 2
    chunks = [escape(chunk) for chunk in pack(passages, budget)]
    if len(chunks) == 1:
        header = translate(language, "section.full_text_header", label=label)
        return [Html(f"{header}\n{title}\n{chunks[0]}")]
    return [
        Html(
            translate(
                language, "section.full_text_continued", label=label, part=i, parts=len(chunks)
            )
            + f"\n{title}\n{chunk}"
        )
        for i, chunk in enumerate(chunks, start=1)
    ]


# --- passages, topics, pages -----------------------------------------------------------------

PAGE_SIZE = 10


def section_link(bot_username: str | None, number: int, reference: str) -> str:
    """〔四〕 as a deep link that opens the section in the bot's private chat."""
    if not bot_username:
        return escape(reference)
    return f'<a href="https://t.me/{bot_username}?start=section_{number}">{escape(reference)}</a>'


def passage_lines(
    translate: Translator,
    language: str,
    bot_username: str | None,
    passages: Iterable[tuple[int, str]],
) -> list[str]:
    """One line per passage: its section reference (a link to the section), then the text."""
    return [
        f"{section_link(bot_username, number, section_reference(translate, language, number))} "
        f"{escape(text)}"
        for number, text in passages
    ]


def page_count(total: int, size: int = PAGE_SIZE) -> int:
    return max(1, -(-total // size))


def page_keyboard(
    translate: Translator, language: str, action: str, key: str, page: int, pages: int
) -> InlineKeyboardMarkup | None:
    """‹ previous page / next page › for a listing keyed by `key`; None when it fits one page."""
    if pages <= 1:
        return None
    buttons = []
    if page > 1:
        buttons.append(
            InlineKeyboardButton(
                translate.plain(language, "button.previous_page"),
                callback_data=Callback(action, f"{key}:{page - 1}").encode(),
            )
        )
    if page < pages:
        buttons.append(
            InlineKeyboardButton(
                translate.plain(language, "button.next_page"),
                callback_data=Callback(action, f"{key}:{page + 1}").encode(),
            )
        )
    return InlineKeyboardMarkup([buttons])


def telegram_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji counts 2). Counted on the HTML,
    an upper bound of the text shown."""
    return len(text.encode("utf-16-le")) // 2


def listing(header: str, lines: Sequence[str], separator: str = "\n\n") -> Html:
    """A header and lines, trimmed (never mid-line, with a closing …) to fit one message."""
    text, size = header, telegram_length(header)
    for line in lines:
        grown = size + telegram_length(separator + line)
        if grown > MESSAGE_LIMIT - 2:
            return Html(text + separator + "…")
        text, size = text + separator + line, grown
    return Html(text)


def topics_keyboard(
    language: str, topics: Sequence[tuple[str, str, int]], subscribed: set[str]
) -> InlineKeyboardMarkup:
    """(slug, name, count) per topic, two a row, ✅ on those the chat follows."""
    buttons = [
        InlineKeyboardButton(
            f"{'✅ ' if slug in subscribed else ''}{name} ({count})",
            callback_data=Callback(Action.TOGGLE_TOPIC, slug).encode(),
        )
        for slug, name, count in topics
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


# --- the daily briefing ------------------------------------------------------------------------


def briefing_message(
    translate: Translator,
    language: str,
    document_title: str,
    day: str,
    picks: Sequence[Pick],
    texts: dict[str, str],
) -> tuple[Html, InlineKeyboardMarkup | None]:
    """One message: each chosen passage verbatim under its topic and section reference, and a
    button per section to open it."""
    lines: list[str] = [translate(language, "briefing.header", day=day, title=document_title)]
    sections: list[int] = []
    for pick in picks:
        key, number = pick.passage, pick.section_number
        reference = section_reference(translate, language, number)
        label = pick.label(language)
        round_number = pick.round
        heading = f"<b>{escape(label)}</b> " if label else ""
        if round_number > 1:
            heading += translate(language, "briefing.round", round=round_number) + " "
        lines.append(f"{heading}{escape(reference)}\n{escape(texts.get(key, ''))}")
        if number not in sections:
            sections.append(number)
    lines.append(translate(language, "briefing.footer"))
    buttons = [
        InlineKeyboardButton(
            translate.plain(
                language, "button.open_section", reference=section_reference(translate, language, n)
            ),
            callback_data=Callback(Action.OPEN_CARD, str(n)).encode(),
        )
        for n in sections
    ]
    keyboard = InlineKeyboardMarkup([buttons]) if buttons else None
    return listing(lines[0], lines[1:]), keyboard
