"""Turn stored content into Telegram messages: HTML text under 4096 characters, inline keyboards,
and callback data under 64 bytes. Everything from the document or a user is escaped here."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.briefing import Pick
from bot.callbacks import Action, Callback, contents_argument, in_document
from bot.i18n import Html, Translator, as_plain, escape
from bot.store.repository import DocumentView, SectionView
from content.numerals import to_chinese_numeral
from content.translation import Translation

MESSAGE_LIMIT = 4096
BUTTON_LABEL_LIMIT = 28
SECTION_BUTTONS_PER_ROW = 4  # under a briefing; Telegram allows 8
CONTENTS_ROW = 4  # section-number buttons to a row in the table of contents
NEW_MESSAGE = "new"  # toc:new — the contents as a new message (under a full text), not in place
# A full text's paragraphs: joined passages reach PARAGRAPH_MIN characters, stay under MAX.
PARAGRAPH_MIN, PARAGRAPH_MAX = 60, 160
PARAGRAPH_BREAK = "\n\n"
# The Chinese original under its English, collapsed: one tap opens it.
ORIGINAL_OPEN, ORIGINAL_CLOSE = "<blockquote expandable>", "</blockquote>"
ENGLISH = "en"
MAX_BUTTON_SLUG = 48  # "full:<slug>:<n>" stays under Telegram's 64 bytes


def section_reference(translate: Translator, language: str, number: int) -> str:
    """〔四〕 — how a passage cites its section; in English "Section 4" / "Overall approach"."""
    if language == ENGLISH:
        return section_label(translate, language, number)
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


# --- English readers -----------------------------------------------------------------------------
# An English chat reads each passage of a translated document in English, its Chinese original
# collapsed beneath (<blockquote expandable>); a passage the translation lacks, in Chinese. A
# document without a translation is quoted in Chinese, with one line that says so.


def with_original(english: str, original: str) -> str:
    """The English of a passage, and its Chinese original collapsed beneath it."""
    return f"{escape(english)}\n{ORIGINAL_OPEN}{escape(original)}{ORIGINAL_CLOSE}"


def english_of(translation: Translation | None, key: str) -> str | None:
    """A passage's English; None when there is no translation or it lacks the passage."""
    return translation.passage(key) if translation is not None else None


def untranslated_note(translate: Translator, language: str) -> Html:
    """The one line an English chat reads above Chinese passages of an untranslated document."""
    return translate(language, "english.no_translation")


def shown_length(text: str) -> int:
    """What Telegram counts of a message in HTML: the text it shows, in UTF-16 code units."""
    return telegram_length(as_plain(text))


@dataclass(frozen=True)
class Quoted:
    """A passage as an English chat reads it in a list (a page of /topic, a briefing): `lead`,
    HTML before it (its reference, its topic); `text`, its English, or its Chinese where there
    is none; `original`, the Chinese collapsed beneath the English (None when `text` is it)."""

    lead: str
    text: str
    original: str | None = None

    def html(self, cap: int | None = None, collapsed: bool = True) -> str:
        text = escape(_cut(self.text, cap))
        if collapsed and self.original is not None and cap is None:
            text += f"\n{ORIGINAL_OPEN}{escape(self.original)}{ORIGINAL_CLOSE}"
        return self.lead + text


def _cut(text: str, cap: int | None) -> str:
    """`text` in at most `cap` characters, cut after a word where one ends near, with …"""
    if cap is None or len(text) <= cap:
        return text
    cut = text[: cap - 1]
    space = cut.rfind(" ")
    if space >= cap - 20:
        cut = cut[:space]
    return cut.rstrip() + "…"


def fitted(
    header: str, items: Sequence[Quoted], tail: Sequence[str] = (), separator: str = "\n\n"
) -> Html:
    """A header, passages and tail lines as one message, every passage kept. Each passage keeps
    its original while there is room, in order (one that does not fit gives it up, a shorter one
    after it may keep it: its section still opens the original); when even the passages alone
    are too long, the longest are shortened alike (with …) to fit. Counted as Telegram counts:
    the text shown."""
    step = len(separator)
    base = shown_length(header) + sum(step + shown_length(line) for line in tail)
    leads = [step + shown_length(item.lead) for item in items]

    def size(cap: int | None) -> int:
        return base + sum(
            lead + telegram_length(_cut(item.text, cap))
            for lead, item in zip(leads, items, strict=True)
        )

    def message(parts: Iterable[str]) -> Html:
        return Html(separator.join([header, *parts, *tail]))

    room = MESSAGE_LIMIT - size(None)
    if room >= 0:
        kept: list[bool] = []
        for item in items:
            extra = 1 + telegram_length(item.original) if item.original is not None else 0
            kept.append(item.original is not None and extra <= room)
            room -= extra if kept[-1] else 0
        text = message(item.html(collapsed=keep) for item, keep in zip(items, kept, strict=True))
    else:
        low, high = 0, max((len(item.text) for item in items), default=0)
        while low < high:  # the longest cap that fits
            middle = (low + high + 1) // 2
            low, high = (middle, high) if size(middle) <= MESSAGE_LIMIT else (low, middle - 1)
        text = message(item.html(cap=max(low, 1)) for item in items)
    if shown_length(text) <= MESSAGE_LIMIT:
        return text
    return _trimmed(header, [item.html(collapsed=False) for item in items], tail, separator)


def _trimmed(header: str, lines: Sequence[str], tail: Sequence[str], separator: str) -> Html:
    """The last resort: whole lines while they fit, then …"""
    text = header
    for line in [*lines, *tail]:
        grown = text + separator + line
        if shown_length(grown + separator + "…") > MESSAGE_LIMIT:
            return Html(text + separator + "…")
        text = grown
    return Html(text)


def section_card(
    translate: Translator,
    language: str,
    document: DocumentView,
    section: SectionView,
    numbers: Sequence[int],
    document_key: str = "",
) -> tuple[Html, InlineKeyboardMarkup]:
    """Heading, the curated points in the chat's language, and the reading buttons (which stay
    within the document `document_key` names, when the bot has several)."""
    label = section_label(translate, language, section.number)
    lines = [f"<b>{escape(section_title(section))}</b>"]
    if language == "en" and section.heading_en:
        lines.append(f"<i>{escape(section.heading_en)}</i>")
    lines.append(translate(language, "section.card_source", title=document.title, label=label))
    lines.append("")
    points = section.summary_en if language == "en" else section.summary_zh
    lines.extend(f"• {escape(point)}" for point in points)
    keyboard = section_keyboard(
        translate, language, section.number, numbers, document_key=document_key
    )
    return Html("\n".join(lines)), keyboard


def section_keyboard(
    translate: Translator,
    language: str,
    number: int,
    numbers: Sequence[int],
    *,
    under_full_text: bool = False,
    document_key: str = "",
) -> InlineKeyboardMarkup:
    """The card's buttons: 📄 full text, then ‹ previous · contents · next ›, which replace the
    card in place. `under_full_text`: the same navigation under the last part of a section's
    full text, which stays as it is: the neighbouring card and the contents come as new
    messages (OPEN_CARD, CONTENTS with NEW_MESSAGE), and there is no full-text button."""
    index = numbers.index(number)
    open_action = Action.OPEN_CARD if under_full_text else Action.OPEN_SECTION
    navigation: list[InlineKeyboardButton] = []
    if index > 0:
        previous = numbers[index - 1]
        navigation.append(
            InlineKeyboardButton(
                translate.plain(
                    language, "button.previous", label=_nav_label(translate, language, previous)
                ),
                callback_data=Callback(open_action, in_document(document_key, previous)).encode(),
            )
        )
    navigation.append(
        InlineKeyboardButton(
            translate.plain(language, "button.contents"),
            callback_data=Callback(
                Action.CONTENTS, contents_argument(document_key, new_message=under_full_text)
            ).encode(),
        )
    )
    if index < len(numbers) - 1:
        following = numbers[index + 1]
        navigation.append(
            InlineKeyboardButton(
                translate.plain(
                    language, "button.next", label=_nav_label(translate, language, following)
                ),
                callback_data=Callback(open_action, in_document(document_key, following)).encode(),
            )
        )
    if under_full_text:
        return InlineKeyboardMarkup([navigation])
    full_text = InlineKeyboardButton(
        translate.plain(language, "button.full_text"),
        callback_data=Callback(Action.FULL_TEXT, in_document(document_key, number)).encode(),
    )
    return InlineKeyboardMarkup([[full_text], navigation])


def _nav_label(translate: Translator, language: str, number: int) -> str:
    if number == 0:
        return translate.plain(language, "section.nav_intro")
    return to_chinese_numeral(number) if language == "zh" else str(number)


def _contents_button_label(translate: Translator, language: str, number: int) -> str:
    """总体思路 / 一 … 八 in Chinese, Intro / 1 … 8 in English: the headings are in the text."""
    if number == 0:
        return translate.plain(language, "reading.intro_button")
    return to_chinese_numeral(number) if language == "zh" else str(number)


def contents(
    translate: Translator,
    language: str,
    document: DocumentView,
    sections: Iterable[SectionView],
    document_key: str = "",
) -> tuple[Html, InlineKeyboardMarkup]:
    """The table of contents: every heading in full in the text, numbered as the document
    numbers them (in English: the English heading under its number, the original beneath), and
    buttons that carry only those numbers, several to a row (the introduction on a row of its
    own, then CONTENTS_ROW a row)."""
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
    rows: list[list[InlineKeyboardButton]] = []
    numbered: list[InlineKeyboardButton] = []
    for section in sections:
        if section.number == 0:
            lines.append(escape(translate.plain(language, "sections.intro")))
        elif language == "en" and section.heading_en:
            lines.append(
                f"\n<b>{section.number}.</b> {escape(section.heading_en)}\n"
                f"<i>{escape(section_title(section))}</i>"
            )
        else:
            lines.append(escape(section_title(section)))
        button = InlineKeyboardButton(
            _contents_button_label(translate, language, section.number),
            callback_data=Callback(
                Action.OPEN_SECTION, in_document(document_key, section.number)
            ).encode(),
        )
        if section.number == 0:
            rows.append([button])
        else:
            numbered.append(button)
    rows.extend(numbered[i : i + CONTENTS_ROW] for i in range(0, len(numbered), CONTENTS_ROW))
    lines.extend(["", translate(language, "reading.contents_hint")])
    return Html("\n".join(lines)), InlineKeyboardMarkup(rows)


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


def paragraphs(passages: Sequence[str]) -> list[list[str]]:
    """Passages grouped into paragraphs for reading: a long passage stands alone, short ones
    are joined (up to PARAGRAPH_MAX characters) until a paragraph has PARAGRAPH_MIN, and a
    short last one joins the one before it. The text itself is untouched."""
    groups: list[list[str]] = []
    size = 0
    for passage in passages:
        if groups and size < PARAGRAPH_MIN and size + len(passage) <= PARAGRAPH_MAX:
            groups[-1].append(passage)
            size += len(passage)
        else:
            groups.append([passage])
            size = len(passage)
    last_is_short = len(groups) > 1 and size < PARAGRAPH_MIN
    if last_is_short and sum(map(len, groups[-2])) + size <= PARAGRAPH_MAX:
        groups[-2].extend(groups.pop())
    return groups


def _chunks(groups: Sequence[Sequence[str]], budget: int) -> list[str]:
    """Paragraphs into message bodies of at most `budget` characters, blank lines between
    paragraphs. A paragraph too long for one message is split between its passages (sentences),
    and only a single passage over the budget is cut within itself."""
    chunks: list[str] = []
    current = ""
    for group in groups:
        text = "".join(group)
        joined = f"{current}{PARAGRAPH_BREAK}{text}" if current else text
        if len(joined) <= budget:
            current = joined
            continue
        if current:
            chunks.append(current)
            current = ""
        if len(text) <= budget:
            current = text
            continue
        *whole, current = pack(group, budget)
        chunks.extend(whole)
    if current:
        chunks.append(current)
    return chunks


def full_text(
    translate: Translator,
    language: str,
    section: SectionView,
    passages: Sequence[str],
    keys: Sequence[str] | None = None,
    translation: Translation | None = None,
) -> list[Html]:
    """The section verbatim in paragraphs (blank lines between), split between sentences into
    messages under the limit. The caller puts section_keyboard(…, under_full_text=True) under
    the last one. With the passages' `keys` ("S.O"), an English chat reads the `translation`:
    each paragraph in English with its original collapsed beneath, or, without a translation,
    the original under a line that says so."""
    if language == ENGLISH and keys is not None:
        return _english_full_text(translate, language, section, passages, keys, translation)
    label = section_label(translate, language, section.number)
    title = f"<b>{escape(section_title(section))}</b>"
    # The headers' HTML is longer than what Telegram counts of it: a safe margin.
    longest_header = translate(
        language, "section.full_text_continued", label=label, part=999, parts=999
    )
    budget = MESSAGE_LIMIT - len(longest_header) - len(title) - 3
    chunks = [escape(chunk) for chunk in _chunks(paragraphs(passages), budget)]
    if len(chunks) == 1:
        header = translate(language, "section.full_text_header", label=label)
        return [Html(f"{header}\n{title}\n\n{chunks[0]}")]
    return [
        Html(
            translate(
                language, "section.full_text_continued", label=label, part=i, parts=len(chunks)
            )
            + f"\n{title}\n\n{chunk}"
        )
        for i, chunk in enumerate(chunks, start=1)
    ]


def _english_blocks(
    groups: Sequence[Sequence[tuple[str, str | None]]], budget: int
) -> list[tuple[int, str]]:
    """(shown length, HTML) of each block of an English full text, none over `budget`: a
    paragraph's run of translated passages in English with its original collapsed beneath, a
    run of untranslated ones in Chinese. A run too long for one message is split between its
    passages, and only a single passage over the budget is cut within itself."""
    blocks: list[tuple[int, str]] = []
    for group in groups:
        runs: list[list[tuple[str, str | None]]] = []
        for passage in group:
            if runs and (runs[-1][0][1] is None) == (passage[1] is None):
                runs[-1].append(passage)
            else:
                runs.append([passage])
        for run in runs:
            original = "".join(text for text, _ in run)
            if run[0][1] is None:
                if telegram_length(original) <= budget:
                    blocks.append((telegram_length(original), escape(original)))
                else:
                    pieces = pack([text for text, _ in run], budget)
                    blocks.extend((telegram_length(p), escape(p)) for p in pieces)
                continue
            english = " ".join(english for _, english in run if english)
            size = telegram_length(english) + 1 + telegram_length(original)
            if size <= budget:
                blocks.append((size, with_original(english, original)))
            elif len(run) > 1:
                blocks.extend(_english_blocks([[passage] for passage in run], budget))
            else:
                blocks.extend((telegram_length(p), escape(p)) for p in pack([english], budget))
                blocks.extend(
                    (telegram_length(p), f"{ORIGINAL_OPEN}{escape(p)}{ORIGINAL_CLOSE}")
                    for p in pack([original], budget)
                )
    return blocks


def _english_full_text(
    translate: Translator,
    language: str,
    section: SectionView,
    passages: Sequence[str],
    keys: Sequence[str],
    translation: Translation | None,
) -> list[Html]:
    label = section_label(translate, language, section.number)
    original_title = section_title(section)
    heading = translation.heading(section.number) if translation is not None else None
    title = f"<b>{escape(heading or original_title)}</b>"
    if heading:
        title += f"\n{ORIGINAL_OPEN}{escape(original_title)}{ORIGINAL_CLOSE}"
    # Said once, in the first message: this document has no English yet.
    note = "" if translation is not None else f"\n{untranslated_note(translate, language)}"
    english = [english_of(translation, key) for key in keys]
    paired = list(zip(passages, english, strict=True))
    # Paragraphs as the Chinese reads them, each with its passages' English.
    groups: list[list[tuple[str, str | None]]] = []
    for group in paragraphs(passages):
        groups.append(paired[: len(group)])
        paired = paired[len(group) :]
    longest_header = translate(
        language, "section.full_text_continued", label=label, part=999, parts=999
    )
    budget = MESSAGE_LIMIT - shown_length(longest_header + title + note) - 4
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for length, block in _english_blocks(groups, budget):
        if current and size + len(PARAGRAPH_BREAK) + length > budget:
            chunks.append(PARAGRAPH_BREAK.join(current))
            current, size = [], 0
        size += length + (len(PARAGRAPH_BREAK) if current else 0)
        current.append(block)
    if current:
        chunks.append(PARAGRAPH_BREAK.join(current))
    if len(chunks) <= 1:
        header = translate(language, "section.full_text_header", label=label)
        return [Html(f"{header}\n{title}{note}\n\n{chunks[0] if chunks else ''}".rstrip())]
    return [
        Html(
            translate(
                language, "section.full_text_continued", label=label, part=i, parts=len(chunks)
            )
            + f"\n{title}{note if i == 1 else ''}\n\n{chunk}"
        )
        for i, chunk in enumerate(chunks, start=1)
    ]


# --- passages, topics, pages -----------------------------------------------------------------

PAGE_SIZE = 10


def section_link(bot_username: str | None, number: int, reference: str, document: str = "") -> str:
    """〔四〕 as a deep link that opens the section in the bot's private chat; `document` (a
    year or slug) names a document other than the newest: `section_2022_4`."""
    if not bot_username:
        return escape(reference)
    target = f"{document}_{number}" if document else str(number)
    return f'<a href="https://t.me/{bot_username}?start=section_{target}">{escape(reference)}</a>'


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


def english_listing(
    translate: Translator,
    language: str,
    bot_username: str | None,
    header: str,
    passages: Iterable[tuple[int, str, str]],
    translation: Translation | None,
) -> Html:
    """A page of passages for an English chat: (section, key, original) each as its section
    reference (a link), then its English with the original collapsed beneath (the Chinese where
    the translation lacks it); without a translation, the originals under a line saying so.
    Fitted to one message, every passage kept (see `fitted`)."""
    if translation is None:
        header = f"{header}\n{untranslated_note(translate, language)}"
    items: list[Quoted] = []
    for number, key, original in passages:
        link = section_link(bot_username, number, section_reference(translate, language, number))
        english = english_of(translation, key)
        if english is None:
            items.append(Quoted(f"{link} · ", original))
        else:
            items.append(Quoted(f"{link} · ", english, original))
    return fitted(header, items)


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
    translation: Translation | None = None,
    translations: dict[str, Translation] | None = None,
) -> tuple[Html, InlineKeyboardMarkup | None]:
    """One message: each chosen passage verbatim under its topic and section reference, a button
    per section to open it, and for each catalogue topic it quotes a row of two: more on the
    topic (/topic's listing) and unsubscribe from it in one tap. Keyword follows get no row.
    An English chat reads the passages in the document's `translation`, each original collapsed
    beneath; without one, in Chinese under a line saying so.

    Several documents (issue 14): a pick from an older plan cites its year (2022〔四〕) and its
    button opens that plan's section; one from a plan published since the chat's last briefing
    leads with "New: 《…》". `translations` (by slug) gives each pick its own document's English."""
    sections = list(dict.fromkeys((pick.source, pick.section_number) for pick in picks))
    keyboard = _briefing_keyboard(translate, language, picks, sections)
    if language == ENGLISH:
        text = _english_briefing(translate, language, document_title, day, picks, texts,
                                 translation, translations)  # fmt: skip
        return text, keyboard
    lines: list[str] = [translate(language, "briefing.header", day=day, title=document_title)]
    for pick in picks:
        reference = _pick_reference(translate, language, pick)
        label = pick.label(language)
        round_number = pick.round
        heading = _new_line(translate, language, pick)
        heading += f"<b>{escape(label)}</b> " if label else ""
        if round_number > 1:
            heading += translate(language, "briefing.round", round=round_number) + " "
        lines.append(f"{heading}{escape(reference)}\n{escape(pick_text(texts, pick))}")
    lines.append(translate(language, "briefing.footer"))
    return listing(lines[0], lines[1:]), keyboard


def _english_briefing(
    translate: Translator,
    language: str,
    document_title: str,
    day: str,
    picks: Sequence[Pick],
    texts: dict[str, str],
    translation: Translation | None,
    translations: dict[str, Translation] | None = None,
) -> Html:
    """A briefing's text for an English chat: "<b>Topic</b> (round 2) · Section 4", then the
    passage in English with its original collapsed beneath."""
    if translation is not None and translation.title:
        header = translate(language, "english.briefing_header", day=day, title=translation.title)
    else:
        header = translate(language, "briefing.header", day=day, title=document_title)
    if translation is None:
        header = Html(f"{header}\n{untranslated_note(translate, language)}")
    items: list[Quoted] = []
    for pick in picks:
        label = pick.label(language)
        heading = f"<b>{escape(label)}</b>" if label else ""
        if pick.round > 1:
            heading = f"{heading} {translate(language, 'briefing.round', round=pick.round)}"
        reference = escape(_pick_reference(translate, language, pick))
        heading = f"{heading.strip()} · {reference}" if heading else reference
        heading = _new_line(translate, language, pick) + heading
        original = pick_text(texts, pick)
        english = english_of(_pick_translation(pick, translation, translations), pick.local_key)
        if english is None:
            items.append(Quoted(f"{heading}\n", original))
        else:
            items.append(Quoted(f"{heading}\n", english, original))
    return fitted(header, items, tail=[translate(language, "briefing.footer")])


def pick_text(texts: dict[str, str], pick: Pick) -> str:
    """A pick's passage from the index's texts: "<slug>:S.O" for an older document, "S.O" for
    the newest (and for rows from before several documents)."""
    if pick.document:
        older = texts.get(f"{pick.document}:{pick.local_key}")
        if older is not None:
            return older
    return texts.get(pick.passage, "")


def _pick_translation(
    pick: Pick, translation: Translation | None, translations: dict[str, Translation] | None
) -> Translation | None:
    """The English of the pick's own document; never another document's."""
    if translations is not None and pick.document:
        return translations.get(pick.document)
    if translation is not None and pick.document and translation.document != pick.document:
        return None
    return translation


def button_document(slug: str) -> str:
    """How a button names a document: its slug, short enough for 64 bytes of callback data."""
    return slug if len(slug.encode()) <= MAX_BUTTON_SLUG else ""


def _pick_reference(translate: Translator, language: str, pick: Pick) -> str:
    return _source_reference(translate, language, pick.source, pick.section_number)


def _source_reference(translate: Translator, language: str, source: str, number: int) -> str:
    """〔四〕, or with an older plan's year: 2022〔四〕 ("Section 4 (2022)" in English)."""
    reference = section_reference(translate, language, number)
    if not source:
        return reference
    return translate.plain(language, "documents.older_reference", year=source, reference=reference)


def _new_line(translate: Translator, language: str, pick: Pick) -> str:
    """ "New: 《…》" above a passage of a plan published since the chat's last briefing."""
    title = pick.new_title(language)
    if not title:
        return ""
    return translate(language, "documents.new_in_briefing", title=title) + "\n"


def _briefing_keyboard(
    translate: Translator,
    language: str,
    picks: Sequence[Pick],
    sections: Sequence[tuple[str, int]],
) -> InlineKeyboardMarkup | None:
    """A button per section quoted, then a row per catalogue topic quoted: more, unsubscribe.
    The buttons are built once each (a large push puts the same few hundred on every
    briefing; buttons are immutable), the keyboard from them."""
    topics: dict[str, str] = {}  # slug → name, for the topic buttons; keywords get none
    for pick in picks:
        slug = pick.follow_key.removeprefix("topic:")
        if slug != pick.follow_key and slug.isascii() and 0 < len(slug) <= 24:
            topics.setdefault(slug, pick.label(language) or slug)
    documents = {pick.source: pick.document for pick in picks}
    buttons = [
        _section_button(
            translate,
            language,
            source,
            (button_document(documents[source]) or source) if source else "",
            n,
        )
        for source, n in sections
    ]
    # Telegram takes at most 8 buttons a row; /items 10 can quote all nine sections.
    rows: list[Sequence[InlineKeyboardButton]] = [
        buttons[i : i + SECTION_BUTTONS_PER_ROW]
        for i in range(0, len(buttons), SECTION_BUTTONS_PER_ROW)
    ]
    rows.extend(_topic_row(translate, language, slug, name) for slug, name in topics.items())
    return InlineKeyboardMarkup(rows) if rows else None


@functools.lru_cache(maxsize=256)
def _section_button(
    translate: Translator, language: str, source: str, document: str, number: int
) -> InlineKeyboardButton:
    """Section `number` of the plan `source` names ("" the newest; else its year), opened by
    `document` (the token its callback data carries)."""
    reference = _source_reference(translate, language, source, number)
    return InlineKeyboardButton(
        translate.plain(language, "button.open_section", reference=reference),
        callback_data=Callback(Action.OPEN_CARD, in_document(document, number)).encode(),
    )


@functools.lru_cache(maxsize=1024)
def _topic_row(
    translate: Translator, language: str, slug: str, name: str
) -> tuple[InlineKeyboardButton, InlineKeyboardButton]:
    shown = _shorten(name, 16)
    return (
        InlineKeyboardButton(
            translate.plain(language, "briefing_buttons.more", name=shown),
            callback_data=Callback(Action.MORE_ON_TOPIC, slug).encode(),
        ),
        InlineKeyboardButton(
            translate.plain(language, "briefing_buttons.unsubscribe", name=shown),
            callback_data=Callback(Action.DROP_TOPIC, slug).encode(),
        ),
    )
