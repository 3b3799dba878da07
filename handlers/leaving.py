"""Leaving: /stop pauses the daily briefing and offers to delete everything the bot keeps about the
chat, after one confirmation: the button asks "are you sure?" (Delete / Cancel), the answer says
what was done, the same message edited at each step. In groups only admins stop or delete.

The Delete button carries the minute it was offered and is taken for CONFIRMATION_MINUTES only:
an old question, or data that merely looks like it, is answered as expired and deletes nothing.
What is deleted, and forgetting the chat in memory, is bot/usecases/chat_data.py's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import Action, Callback, parse_callback, pattern, small_number
from bot.context import BotContext
from bot.i18n import Html
from bot.replies.answering import edit_in_place, thread_of
from bot.usecases import briefing_settings, chat_data
from bot.usecases.briefing_settings import Outcome

CONFIRMATION_MINUTES = 30
ASK, YES, NO = "ask", "yes", "no"


def _minute(now: datetime) -> int:
    return int(now.timestamp()) // 60


def _delete_offer(context: BotContext) -> InlineKeyboardMarkup:
    label = context.services.translate.plain(context.chat.language, "stop.delete_button")
    button = InlineKeyboardButton(label, callback_data=Callback(Action.FORGET_CHAT, ASK).encode())
    return InlineKeyboardMarkup([[button]])


def _confirmation(context: BotContext) -> tuple[Html, InlineKeyboardMarkup]:
    translate, language = context.services.translate, context.chat.language
    stamp = _minute(context.services.clock())
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    translate.plain(language, "stop.confirm_button"),
                    callback_data=Callback(Action.FORGET_CHAT, f"{YES}:{stamp}").encode(),
                ),
                InlineKeyboardButton(
                    translate.plain(language, "stop.cancel_button"),
                    callback_data=Callback(Action.FORGET_CHAT, NO).encode(),
                ),
            ]
        ]
    )
    return translate(language, "stop.confirm"), keyboard


def _step(data: str | None, now: datetime) -> str | None:
    """ASK, NO, YES (a confirmation still fresh), or None: malformed, forged or too old."""
    callback = parse_callback(data)
    if callback is None:
        return None
    if callback.argument in (ASK, NO):
        return callback.argument
    step, _, stamp = callback.argument.partition(":")
    offered = small_number(stamp)
    if step != YES or offered is None:
        return None
    age = _minute(now) - offered
    return YES if -1 <= age <= CONFIRMATION_MINUTES else None


async def stop_command(update: Update, context: BotContext) -> None:
    """/stop: pause the briefing (time, zone and follows kept) and offer to delete it all."""
    message, chat_id = update.effective_message, context.chat.id
    assert message is not None and chat_id is not None
    services, language = context.services, context.chat.language
    translate = services.translate
    if not await context.may_change_settings():
        await message.reply_text(translate(language, "subscribe.not_admin"))
        return
    change = await briefing_settings.pause(services, chat_id, thread_of(message))
    key = "stop.paused" if change.outcome is Outcome.PAUSED else "stop.already_paused"
    text = Html(f"{translate(language, key)}\n\n{translate(language, 'stop.offer')}")
    await message.reply_text(text, reply_markup=_delete_offer(context))


async def forget_button(update: Update, context: BotContext) -> None:
    """The buttons of /stop's answer: ask, then delete or cancel, editing the answer each time."""
    query, chat_id = update.callback_query, context.chat.id
    assert query is not None
    services, language = context.services, context.chat.language
    translate = services.translate
    step = _step(query.data, services.clock())
    if chat_id is None or step is None:
        callback = parse_callback(query.data)
        stale = callback is not None and callback.argument.startswith(f"{YES}:")
        await query.answer(
            translate.plain(language, "stop.expired" if stale else "callback.expired")
        )
        return
    if not await context.may_change_settings():
        await query.answer(translate.plain(language, "subscribe.not_admin"), show_alert=True)
        return
    if step == ASK:
        await query.answer()
        await edit_in_place(query, *_confirmation(context))
        return
    if step == NO:
        await query.answer()
        await edit_in_place(query, translate(language, "stop.cancelled"), None)
        return
    await chat_data.forget_chat(services, chat_id)
    await query.answer()
    await edit_in_place(query, translate(language, "stop.deleted"), None)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("stop", stop_command),
        CallbackQueryHandler(forget_button, pattern=pattern(Action.FORGET_CHAT)),
    ]
