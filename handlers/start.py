"""/start (the welcome, and deep links such as `section_4`) and /help."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import BotContext
from bot.i18n import Html
from bot.lookup import MAX_SUBSCRIPTIONS
from handlers.sections import contents_reply, section_reply
from handlers.subscriptions import confirmation

SECTION_PAYLOAD = "section_"
TOPIC_PAYLOAD = "topic_"


async def start_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    translate = context.services.translate
    payload = context.args[0] if context.args else ""
    language = context.chat.language
    async with context.services.store.transaction() as repo:
        content = await context.services.content(repo)
        document = content.document if content else None
        topic = (
            context.services.library.catalog.by_slug(payload[len(TOPIC_PAYLOAD) :])
            if payload.startswith(TOPIC_PAYLOAD)
            else None
        )
        replies: list[tuple[Html, InlineKeyboardMarkup | None]]
        if payload.startswith(SECTION_PAYLOAD):
            number = payload[len(SECTION_PAYLOAD) :]
            replies = [await section_reply(repo, context, language, number)]
        elif topic is not None:  # subscribing takes a tap: a link alone changes nothing
            replies = [await confirmation(repo, context, language, topic)]
        else:
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
            replies = [(welcome, None)]
            if payload:  # a deep link we do not know (old, or mistyped): offer the contents
                text, keyboard = await contents_reply(repo, context, language)
                note = translate(language, "start.unknown_payload")
                replies.append((Html(f"{note}\n\n{text}"), keyboard))
    for text, keyboard in replies:
        await message.reply_text(text, reply_markup=keyboard)


async def help_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    language = context.chat.language
    async with context.services.store.transaction() as repo:
        content = await context.services.content(repo)
        last = max(content.numbers) if content else 0
    text = context.services.translate(
        language,
        "help.text",
        last=last,
        max_subscriptions=MAX_SUBSCRIPTIONS,
        bot=context.bot.username,
    )
    await message.reply_text(text)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [CommandHandler("start", start_command), CommandHandler("help", help_command)]
