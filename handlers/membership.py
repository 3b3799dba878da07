"""The bot's own membership. Added to a group: a short welcome that sets the group up in two taps
(pick topics; keep 09:00 or pick another time). Removed or blocked: the chat turns inactive, its
data kept; added back: active again. A group upgraded to a supergroup: its data moves along."""

from __future__ import annotations

import logging
from typing import Any

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import Action, parse_callback, pattern
from bot.context import BotContext
from bot.i18n import Html
from bot.replies.answering import edit_in_place, thread_of
from bot.replies.briefing_settings import change_answer
from bot.replies.catalogue import topics_reply
from bot.replies.welcome import TOPICS, chosen_time, setup_keyboard
from bot.usecases import briefing_settings, chats

logger = logging.getLogger(__name__)

_GONE = {ChatMember.LEFT, ChatMember.BANNED}
_PRESENT = {ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER}


async def my_membership_changed(update: Update, context: BotContext) -> None:
    change = update.my_chat_member
    assert change is not None
    chat = change.chat
    if change.new_chat_member.status in _GONE:
        await chats.set_active(context.services, chat.id, False)
        logger.info("removed from or blocked in chat %s: inactive", chat.id)
        return
    language = context.chat.language
    joined = change.old_chat_member.status in _GONE and change.new_chat_member.status in _PRESENT
    if joined and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
        await context.bot.send_message(
            chat.id,
            context.services.translate(language, "welcome.group"),
            reply_markup=setup_keyboard(context.services.translate, language),
        )


async def onboarding_button(update: Update, context: BotContext) -> None:
    """The welcome's buttons: the topic catalogue (for anyone to read; its own buttons check
    admins), or the briefing time (admins only), shown under the welcome, which stays."""
    query, chat_id = update.callback_query, context.chat.id
    assert query is not None
    translate = context.services.translate
    callback = parse_callback(query.data)
    argument = callback.argument if callback else ""
    language = context.chat.language
    wanted = chosen_time(argument)
    if chat_id is None or (argument != TOPICS and wanted is None):
        await query.answer(translate.plain(language, "callback.expired"))
        return
    if argument == TOPICS or wanted is None:
        text, keyboard = await topics_reply(context)
        await query.answer()
        await context.bot.send_message(chat_id, text, reply_markup=keyboard)
        return
    if not await context.may_change_settings():
        await query.answer(translate.plain(language, "subscribe.not_admin"), show_alert=True)
        return
    change = await briefing_settings.set_time(
        context.services, chat_id, wanted, thread_of(query.message)
    )
    await query.answer()
    welcome, answer = (
        translate(language, "welcome.group"),
        change_answer(translate, language, change),
    )
    await edit_in_place(
        query, Html(f"{welcome}\n\n{answer}"), setup_keyboard(context.services.translate, language)
    )


async def group_migrated(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    new_id = message.migrate_to_chat_id
    if new_id is None:
        return
    moved = await chats.migrate(context.services, message.chat.id, new_id)
    if moved:
        logger.info("chat %s became supergroup %s: settings moved", message.chat.id, new_id)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        ChatMemberHandler(my_membership_changed, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(filters.StatusUpdate.MIGRATE, group_migrated),
        CallbackQueryHandler(onboarding_button, pattern=pattern(Action.ONBOARDING)),
    ]
