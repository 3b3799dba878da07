"""Chats as the bot knows them: recorded on first contact with a default daily briefing, the
language the bot speaks there, active or not, and moved when a group becomes a supergroup.

Resolving a chat is the first thing done for every update (handlers/chat_resolution.py), so the
rules of first contact live here once. Known chats are answered from memory: most updates then
cost no query at all."""

from __future__ import annotations

from bot.clock import DEFAULT_BRIEFING_TIME, format_time_of_day, next_occurrence
from bot.i18n import DEFAULT_LANGUAGE, language_for
from bot.services import PRIVATE, ChatView, KnownChat, Services
from bot.store.repository import LAST_SEEN_PRECISION


def first_language(kind: str | None, client_language: str | None) -> str:
    """A private chat starts in the language of the user's Telegram client, a group in Chinese."""
    return language_for(client_language) if kind in (PRIVATE, None) else DEFAULT_LANGUAGE


def without_record(
    services: Services, chat_id: int | None, kind: str | None, client_language: str | None
) -> ChatView:
    """The chat as far as memory knows it, writing nothing: for updates the bot does not act on
    (a command meant for another bot in a group) and for updates without a chat."""
    known = services.chats.get(chat_id) if chat_id is not None else None
    language = known.language if known else first_language(kind, client_language)
    return ChatView(chat_id, kind, language)


async def resolve(
    services: Services, chat_id: int, kind: str, client_language: str | None
) -> ChatView:
    """Record the chat (a message makes an inactive chat active again) and return it. A new chat
    gets the default daily briefing: 09:00 in BRIEFING_TIMEZONE."""
    now = services.clock()
    known = services.chats.get(chat_id)
    if known and known.kind == kind and abs(now - known.seen_at) < LAST_SEEN_PRECISION:
        return ChatView(chat_id, kind, known.language)  # seen lately: nothing to read or write
    async with services.store.transaction() as repo:
        row, created = await repo.touch_chat(
            chat_id, kind, first_language(kind, client_language), now
        )
        if created:
            zone_name = services.settings.briefing_timezone.key
            await repo.add_schedule(
                chat_id,
                format_time_of_day(DEFAULT_BRIEFING_TIME),
                zone_name,
                next_occurrence(now, DEFAULT_BRIEFING_TIME, zone_name),
            )
        language = row.language
    services.chats.put(chat_id, KnownChat(language, kind, now))
    return ChatView(chat_id, kind, language)


async def stored_language(services: Services, chat_id: int) -> str | None:
    """The chat's language as stored (memory first), without recording the chat."""
    known = services.chats.get(chat_id)
    if known is not None:
        return known.language
    async with services.store.transaction() as repo:
        row = await repo.chat(chat_id)
        return row.language if row else None


async def set_language(services: Services, chat_id: int, language: str) -> None:
    async with services.store.transaction() as repo:
        await repo.set_chat_language(chat_id, language)
    services.chats.forget(chat_id)


async def set_active(services: Services, chat_id: int, active: bool) -> None:
    """Removed, blocked or kicked: inactive, its data kept; back: active again."""
    async with services.store.transaction() as repo:
        await repo.set_chat_active(chat_id, active)
    services.chats.forget(chat_id)


async def migrate(services: Services, old_id: int, new_id: int) -> bool:
    """A group became a supergroup: settings, subscriptions and ledger move to the new id."""
    async with services.store.transaction() as repo:
        moved = await repo.migrate_chat(old_id, new_id)
    services.chats.forget(old_id, new_id)
    return moved
