"""Before any handler: the chat an update comes from, resolved once (recorded on first contact,
its language read from memory or the store) and put on the context, as a database middleware
would. Every handler then reads `context.chat`; the admin check is `context.may_change_settings()`.

Only updates the bot acts on record a chat: our commands, button taps, and the bot being added.
A command meant for another bot, a service message or the bot's own removal records nothing, so
a group does not start receiving briefings because someone typed `/start@otherbot` there."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from telegram import ChatMember, MessageEntity, Update
from telegram.ext import BaseHandler, TypeHandler

from bot.context import BotContext
from bot.usecases import chats

_GONE = {ChatMember.LEFT, ChatMember.BANNED}


def _command_of(update: Update, bot_username: str | None) -> tuple[str, bool] | None:
    """(command name, addressed to us) of a message that starts with a command."""
    message = update.message or update.edited_message
    if message is None or not message.text or not message.entities:
        return None
    first = message.entities[0]
    if first.type != MessageEntity.BOT_COMMAND or first.offset != 0:
        return None
    name, _, addressee = message.text[1 : first.length].partition("@")
    ours = not addressee or addressee.lower() == (bot_username or "").lower()
    return name.lower(), ours


def _records(update: Update, commands: Collection[str], bot_username: str | None) -> bool:
    if update.my_chat_member is not None:
        return update.my_chat_member.new_chat_member.status not in _GONE
    if update.callback_query is not None:
        return True
    command = _command_of(update, bot_username)
    return command is not None and command[1] and command[0] in commands


def build_handler(commands: Collection[str]) -> BaseHandler[Update, BotContext, Any]:
    """`commands`: the names our CommandHandlers answer to."""
    known = frozenset(commands)

    async def resolve(update: Update, context: BotContext) -> None:
        services = context.services
        chat, user = update.effective_chat, update.effective_user
        client_language = user.language_code if user else None
        if chat is not None and _records(update, known, context.bot.username):
            view = await chats.resolve(services, chat.id, chat.type, client_language)
        else:
            view = chats.without_record(
                services, chat.id if chat else None, chat.type if chat else None, client_language
            )
            if chat is not None and _command_of(update, context.bot.username) is not None:
                # A command we do not know still gets its answer in the chat's language.
                stored = await chats.stored_language(services, chat.id)
                view = chats.ChatView(view.id, view.kind, stored or view.language)
        context.resolved(update, view)

    return TypeHandler(Update, resolve)
