"""/start (the welcome, and deep links such as `section_4`) and /help."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import BotContext
from bot.i18n import Html
from bot.replies.catalogue import topic_confirmation
from bot.replies.reading import Reply, contents_reply, section_reply
from bot.usecases import reading

SECTION_PAYLOAD = "section_"
TOPIC_PAYLOAD = "topic_"


async def _welcome(context: BotContext, payload: str) -> list[Reply]:
    """The welcome; after a deep link we do not know (old, or mistyped), the contents too."""
    translate, language = context.services.translate, context.chat.language
    document = await reading.document(context.services)
    if document is None:
        welcome = translate(language, "section.no_content")
    else:
        welcome = translate(
            language,
            "start.welcome",
            title=document.title,
            title_en=document.title_en,
            published=document.published.isoformat(),
        )
    replies: list[Reply] = [(welcome, None)]
    if payload:
        text, keyboard = await contents_reply(context)
        note = translate(language, "start.unknown_payload")
        replies.append((Html(f"{note}\n\n{text}"), keyboard))
    return replies


async def start_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    payload = context.args[0] if context.args else ""
    question = None  # subscribing takes a tap: a topic link alone changes nothing
    if payload.startswith(TOPIC_PAYLOAD):
        question = await topic_confirmation(context, payload[len(TOPIC_PAYLOAD) :])
    replies: list[Reply]
    if payload.startswith(SECTION_PAYLOAD):
        replies = [await section_reply(context, payload[len(SECTION_PAYLOAD) :])]
    elif question is not None:
        replies = [question]
    else:
        replies = await _welcome(context, payload)
    for text, keyboard in replies:
        await message.reply_text(text, reply_markup=keyboard)


async def help_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    facts = await reading.help_facts(context.services)
    text = context.services.translate(
        context.chat.language,
        "help.text",
        last=facts.last_section,
        max_subscriptions=facts.max_subscriptions,
        bot=context.bot.username,
    )
    await message.reply_text(text)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [CommandHandler("start", start_command), CommandHandler("help", help_command)]
