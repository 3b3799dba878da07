"""The library of work plans: /documents (every plan, newest first, a button each that opens its
table of contents in place) and /compare TOPIC [YEAR YEAR]."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import Action, parse_callback, pattern
from bot.context import BotContext
from bot.replies.answering import edit_in_place
from bot.replies.documents import compare_reply, documents_reply
from bot.replies.reading import contents_reply
from bot.usecases import library, reading


async def documents_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    text, keyboard = documents_reply(context, await library.documents(context.services))
    await message.reply_text(text, reply_markup=keyboard)


async def document_button(update: Update, context: BotContext) -> None:
    """A /documents button: that plan's table of contents, in place."""
    query = update.callback_query
    assert query is not None
    callback = parse_callback(query.data)
    name = callback.argument if callback is not None else ""
    if not name or not await reading.names_document(context.services, name):
        text = context.services.translate.plain(context.chat.language, "callback.expired")
        await query.answer(text)
        return
    await query.answer()
    await edit_in_place(query, *await contents_reply(context, name))


async def compare_command(update: Update, context: BotContext) -> None:
    """/compare TOPIC [YEAR YEAR]; usage without a topic."""
    message = update.effective_message
    assert message is not None
    words = [word for word in (context.args or []) if word.strip()]
    if not words:
        translate = context.services.translate
        await message.reply_text(translate(context.chat.language, "compare.usage"))
        return
    query = " ".join(words)
    answer = await library.compare_plans(context.services, list(words))
    text, keyboard = compare_reply(context, answer, query)
    await message.reply_text(text, reply_markup=keyboard)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("documents", documents_command),
        CommandHandler("compare", compare_command),
        CallbackQueryHandler(document_button, pattern=pattern(Action.OPEN_DOCUMENT)),
    ]
