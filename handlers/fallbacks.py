"""What no other handler took: stale or forged buttons get an answer, so no button spins forever;
an unknown command gets a pointer to /help in a private chat, and silence in a group.

Registered last (handlers/__init__.py), so they see only what every other handler declined,
including the owner's commands from anyone who is not an owner."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext
from bot.replies.answering import echo


async def expired_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(context.services.translate.plain(context.chat.language, "callback.expired"))


async def unknown_command(update: Update, context: BotContext) -> None:
    """Also what an owner command looks like to anyone who is not an owner."""
    message = update.effective_message
    if message is None or not context.chat.private or not message.text:
        return  # in groups, commands for others (people, other bots) are none of our business
    command = message.text.split(maxsplit=1)[0]
    name, _, addressee = command.partition("@")
    if addressee and addressee.lower() != (context.bot.username or "").lower():
        return
    await message.reply_text(
        context.services.translate(context.chat.language, "unknown.command", command=echo(name))
    )


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CallbackQueryHandler(expired_button),
        MessageHandler(filters.COMMAND & ~filters.UpdateType.EDITED, unknown_command),
    ]
