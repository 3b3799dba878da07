"""The error handler: log first, then tell the user something short and kind."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError

from bot.context import BotContext
from bot.i18n import Translator, language_for
from bot.replies.answering import thread_of
from bot.usecases import chats

logger = logging.getLogger(__name__)


def _describe(update: object) -> str:
    if isinstance(update, Update):
        chat = update.effective_chat
        return f"update {update.update_id} (chat {chat.id if chat else '-'})"
    return "a job" if update is None else type(update).__name__


async def report_error(update: object, context: BotContext) -> None:
    logger.error("error while handling %s", _describe(update), exc_info=context.error)
    if not isinstance(update, Update) or isinstance(context.error, Forbidden):
        return
    chat = update.effective_chat
    if chat is None:
        if update.callback_query is not None:
            await _answer_quietly(update, context)
        return
    user = update.effective_user
    client_language = user.language_code if user else None
    if context.bot_data.is_open:  # the chat's own language (/lang), as far as memory knows it
        services = context.services
        translate = services.translate
        language = chats.without_record(services, chat.id, chat.type, client_language).language
    else:  # an error before post_init finished
        translate, language = Translator.load(), language_for(client_language)
    try:
        if update.callback_query is not None:
            await _answer_quietly(update, context)
        await context.bot.send_message(
            chat.id,
            translate(language, "error.generic"),
            message_thread_id=thread_of(update.effective_message),
        )
    except TelegramError as exc:
        logger.warning("could not tell chat %s about the error: %s", chat.id, exc)


async def _answer_quietly(update: Update, context: BotContext) -> None:
    assert update.callback_query is not None
    with contextlib.suppress(TelegramError):
        await update.callback_query.answer()
