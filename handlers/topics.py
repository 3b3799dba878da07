"""Browsing by subject: /topics (the catalogue, with subscribe buttons that toggle in place)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import Action, pattern
from bot.context import BotContext
from bot.replies.answering import edit_in_place
from bot.replies.catalogue import catalogue_keyboard, topic_to_change, topics_reply, unknown_topic
from bot.usecases import subscriptions
from bot.usecases.subscriptions import Toggle, Toggled


async def topics_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    text, keyboard = await topics_reply(context)
    await message.reply_text(text, reply_markup=keyboard)


async def toggle_topic(update: Update, context: BotContext) -> None:
    """A /topics button: subscribe or unsubscribe, then redraw the keyboard's ✅ marks. Anyone
    may look at the catalogue; in groups only admins toggle."""
    query = update.callback_query
    assert query is not None
    target = await topic_to_change(update, context)
    if target is None:
        return
    chat_id, slug = target
    services, language = context.services, context.chat.language
    toggle = await subscriptions.toggle_topic(services, chat_id, language, slug)
    if toggle is None:  # /reload dropped the topic meanwhile
        await query.answer(unknown_topic(update, context))
        return
    await query.answer(_notice(context, language, toggle))
    await edit_in_place(query, None, catalogue_keyboard(language, toggle.catalogue))


def _notice(context: BotContext, language: str, toggle: Toggle) -> str:
    translate = context.services.translate
    if toggle.outcome is Toggled.ON:
        return translate.plain(language, "topics.toggled_on", name=toggle.name)
    if toggle.outcome is Toggled.OFF:
        return translate.plain(language, "topics.toggled_off", name=toggle.name)
    return translate.plain(
        language, "subscribe.limit", limit=subscriptions.MAX_SUBSCRIPTIONS, query=toggle.name
    )


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("topics", topics_command),
        CallbackQueryHandler(toggle_topic, pattern=pattern(Action.TOGGLE_TOPIC)),
    ]
