"""The chat an update comes from, as the store knows it: recorded on first contact, with the
language the bot speaks there."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType

from bot.clock import DEFAULT_BRIEFING_TIME, format_time_of_day, next_occurrence
from bot.i18n import DEFAULT_LANGUAGE, language_for
from bot.services import BotContext, KnownChat
from bot.store import Repository
from bot.store.repository import LAST_SEEN_PRECISION


async def enter_chat(repo: Repository, update: Update, context: BotContext) -> str:
    """Record the chat (a message makes an inactive chat active again) and return its language.

    A private chat starts in the language of the user's Telegram client, a group in Chinese. A new
    chat gets the default daily briefing schedule (09:00 in BRIEFING_TIMEZONE)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None:  # inline queries and inline-message buttons have no chat
        return language_for(user.language_code if user else None)
    private = chat.type == ChatType.PRIVATE
    first_language = (
        language_for(user.language_code if user else None) if private else (DEFAULT_LANGUAGE)
    )
    services = context.services
    now = services.clock()
    known = services.chats.get(chat.id)
    if known and known.kind == chat.type and abs(now - known.seen_at) < LAST_SEEN_PRECISION:
        return known.language  # seen lately: nothing to write, nothing to read
    row, created = await repo.touch_chat(chat.id, chat.type, first_language, now)
    services.chats.put(chat.id, KnownChat(row.language, row.kind, now))
    if created:
        zone_name = context.services.settings.briefing_timezone.key
        await repo.add_schedule(
            chat.id,
            format_time_of_day(DEFAULT_BRIEFING_TIME),
            zone_name,
            next_occurrence(now, DEFAULT_BRIEFING_TIME, zone_name),
        )
    return row.language


ADMIN_STATUSES = {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR}


async def may_change_settings(update: Update, context: BotContext) -> bool:
    """In a private chat, the user; in a group, only its admins (and its anonymous admins, whose
    messages come from the group itself)."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return True
    message = update.effective_message
    if update.message is not None and message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id
    user = update.effective_user
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in ADMIN_STATUSES
