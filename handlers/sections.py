"""Reading the work plan: /sections (table of contents), /section N, and the card's buttons
(full text, previous, next, contents), and the same navigation under a full text."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import render
from bot.callbacks import (
    Action,
    Callback,
    document_argument,
    parse_callback,
    pattern,
    section_number_argument,
)
from bot.context import BotContext
from bot.replies.answering import edit_in_place, thread_of
from bot.replies.reading import (
    Reply,
    card_reply,
    contents_reply,
    full_text_replies,
    section_place,
    section_reply,
)
from bot.replies.webapp_buttons import with_reading_view
from bot.usecases import reading


async def sections_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    text, keyboard = await contents_reply(context)
    await message.reply_text(text, reply_markup=with_reading_view(context, keyboard))


async def section_command(update: Update, context: BotContext) -> None:
    """/section N: the card; /section alone: the contents, to pick from."""
    message = update.effective_message
    assert message is not None
    argument = " ".join(context.args or [])
    if argument.strip():
        text, keyboard = await section_reply(context, argument)
    else:
        text, keyboard = await contents_reply(context)
    document, section = await section_place(context, argument)
    await message.reply_text(
        text, reply_markup=with_reading_view(context, keyboard, section, document)
    )


async def _button_replies(
    context: BotContext, action: str, argument: str
) -> tuple[Reply | None, list[Reply]]:
    """(the reply that replaces the button's message, the replies sent as new messages)."""
    callback = Callback(action, argument)
    document = document_argument(callback)  # "" for the newest (and every older button)
    if action == Action.CONTENTS:
        if document and await reading.contents(context.services, document) is None:
            return None, []  # a document gone since the button was sent
        contents = await contents_reply(context, document)
        # toc:new sits under a full text, which stays: the contents come as a new message.
        new_message = argument.split(":", 1)[0] == render.NEW_MESSAGE
        return (None, [contents]) if new_message else (contents, [])
    number = section_number_argument(callback)
    if number is None:
        return None, []
    if action in (Action.OPEN_SECTION, Action.OPEN_CARD):
        card = await reading.find_section(context.services, number, document)
        if not isinstance(card, reading.SectionCard):
            return None, []
        reply = card_reply(context, card)
        return (reply, []) if action == Action.OPEN_SECTION else (None, [reply])
    if action == Action.FULL_TEXT:
        return None, await full_text_replies(context, number, document)
    return None, []


async def section_button(update: Update, context: BotContext) -> None:
    """Buttons that read the work plan: open a section in place (card, contents, ‹ ›), send its
    full text, or send its card as a new message (under a briefing, which must stay as it is)."""
    query = update.callback_query
    assert query is not None
    callback = parse_callback(query.data) or Callback("")
    edit, send = await _button_replies(context, callback.action, callback.argument)
    chat = update.effective_chat
    if (edit is None and not send) or (send and chat is None):
        text = context.services.translate.plain(context.chat.language, "callback.expired")
        await query.answer(text)
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
    buttons = pattern(Action.OPEN_SECTION, Action.FULL_TEXT, Action.CONTENTS, Action.OPEN_CARD)
    return [
        CommandHandler("sections", sections_command),
        CommandHandler("section", section_command),
        CallbackQueryHandler(section_button, pattern=buttons),
    ]
