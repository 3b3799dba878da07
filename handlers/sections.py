"""Reading the work plan: /sections (table of contents), /section N, and the card's buttons
(full text, previous, next, contents)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import render
from bot.context import BotContext
from bot.i18n import Html
from bot.replies.answering import echo, edit_in_place, thread_of
from bot.store import Repository
from content.numerals import parse_chinese_numeral

_INTRO_NAMES = {"0", "总体思路", "intro", "introduction", "overview", "overallapproach"}
_SECTION_ARGUMENT = re.compile(
    r"^(?:section|sec|part|§|no\.?|#)?第?"
    r"(?P<number>-?\d+|[〇零一二三四五六七八九十]{1,3})"
    r"(?:部分|部|节|章)?[.、。:)]?$"
)
NOT_A_SECTION = -1  # a number no section can have (negative, or too long to be one)

Reply = tuple[Html, InlineKeyboardMarkup | None]


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


async def contents_reply(repo: Repository, context: BotContext, language: str) -> Reply:
    content = await context.services.content(repo)
    if content is None:
        return context.services.translate(language, "section.no_content"), None
    return render.contents(context.services.translate, language, content.document, content.sections)


async def section_reply(
    repo: Repository, context: BotContext, language: str, argument: str
) -> Reply:
    """What /section `argument` answers: the card, or a short note naming the valid range."""
    translate = context.services.translate
    content = await context.services.content(repo)
    if content is None:
        return translate(language, "section.no_content"), None
    number = parse_section_argument(argument)
    section = content.section(number) if number is not None else None
    numbers = content.numbers
    if section is None:
        key = "section.not_understood" if number is None else "section.out_of_range"
        shown = echo(argument) if number in (None, NOT_A_SECTION) else str(number)
        return translate(language, key, argument=shown, number=shown, last=max(numbers)), None
    return render.section_card(translate, language, content.document, section, numbers)


async def sections_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    language = context.chat.language
    async with context.services.store.transaction() as repo:
        text, keyboard = await contents_reply(repo, context, language)
    await message.reply_text(text, reply_markup=keyboard)


async def section_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    argument = " ".join(context.args or [])
    language = context.chat.language
    async with context.services.store.transaction() as repo:
        if argument.strip():
            text, keyboard = await section_reply(repo, context, language, argument)
        else:
            text, keyboard = await contents_reply(repo, context, language)
    await message.reply_text(text, reply_markup=keyboard)


async def section_button(update: Update, context: BotContext) -> None:
    """Buttons that read the work plan: open a section in place (card, contents, ‹ ›), send its
    full text, or send its card as a new message (under a briefing, which must stay as it is)."""
    query = update.callback_query
    assert query is not None
    translate = context.services.translate
    callback = render.parse_callback(query.data)
    action = callback.action if callback else ""
    number = render.section_number_argument(callback) if callback else None
    edit: Reply | None = None
    send: list[Reply] = []
    language = context.chat.language
    async with context.services.store.transaction() as repo:
        content = await context.services.content(repo)
        section = content.section(number) if content and number is not None else None
        if action == render.CONTENTS:
            edit = await contents_reply(repo, context, language)
        elif section is not None and content is not None:
            if action in (render.OPEN_SECTION, render.OPEN_CARD):
                card = render.section_card(
                    translate, language, content.document, section, content.numbers
                )
                if action == render.OPEN_SECTION:
                    edit = card
                else:
                    send = [card]
            elif action == render.FULL_TEXT:
                passages = content.passages.get(section.number, ())
                send = [
                    (text, None)
                    for text in render.full_text(translate, language, section, passages)
                ]
    chat = update.effective_chat
    if (edit is None and not send) or (send and chat is None):
        await query.answer(translate.plain(language, "callback.expired"))
        return
    await query.answer()
    if edit is not None:
        await edit_in_place(query, *edit)
    for text, keyboard in send:
        assert chat is not None
        await context.bot.send_message(
            chat.id, text, reply_markup=keyboard, message_thread_id=thread_of(query.message)
        )


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    pattern = rf"^({render.OPEN_SECTION}|{render.FULL_TEXT}|{render.CONTENTS}|{render.OPEN_CARD}):"
    return [
        CommandHandler("sections", sections_command),
        CommandHandler("section", section_command),
        CallbackQueryHandler(section_button, pattern=pattern),
    ]
