"""The bot's own membership: removed or blocked → the chat turns inactive (its data kept); added
back → active again; a group upgraded to a supergroup → its data moves to the new id."""

from __future__ import annotations

import logging
from typing import Any

from telegram import ChatMember, Update
from telegram.ext import BaseHandler, ChatMemberHandler, MessageHandler, filters

from bot.services import BotContext
from handlers.chat import enter_chat

logger = logging.getLogger(__name__)

_GONE = {ChatMember.LEFT, ChatMember.BANNED}


async def my_membership_changed(update: Update, context: BotContext) -> None:
    change = update.my_chat_member
    assert change is not None
    chat = change.chat
    if change.new_chat_member.status in _GONE:
        async with context.services.store.transaction() as repo:
            await repo.set_chat_active(chat.id, False)
        logger.info("removed from or blocked in chat %s: inactive", chat.id)
        return
    async with context.services.store.transaction() as repo:
        await enter_chat(repo, update, context)  # (re)activates, creating the chat if new


async def group_migrated(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    new_id = message.migrate_to_chat_id
    if new_id is None:
        return
    async with context.services.store.transaction() as repo:
        moved = await repo.migrate_chat(message.chat.id, new_id)
    if moved:
        logger.info("chat %s became supergroup %s: settings moved", message.chat.id, new_id)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        ChatMemberHandler(my_membership_changed, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(filters.StatusUpdate.MIGRATE, group_migrated),
    ]
