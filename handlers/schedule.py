"""The daily briefing, as a chat steers it: /today, /settings, /settime, /timezone, /pause,
/resume, and the settings buttons. In groups only admins change settings; in a forum the
briefing goes to the topic where its settings were last changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import render
from bot.clock import format_time_of_day, next_occurrence, parse_time_of_day, parse_timezone, zone
from bot.context import BotContext
from bot.i18n import Html, as_plain
from bot.replies.answering import echo, edit_in_place
from bot.scheduler import plan_for
from bot.store import Repository
from bot.store.models import ScheduleRow
from bot.store.repository import TOPIC

SETTINGS = "set"  # set:pause | set:resume | set:today


def _next_label(schedule: ScheduleRow) -> str:
    local = schedule.next_due_at.astimezone(zone(schedule.timezone))
    return local.strftime("%Y-%m-%d %H:%M")


def _reschedule(schedule: ScheduleRow, now: datetime) -> None:
    at = parse_time_of_day(schedule.briefing_time)
    assert at is not None
    schedule.next_due_at = next_occurrence(now, at, schedule.timezone)


def _thread_of(update: Update) -> int | None:
    message = update.effective_message
    if isinstance(message, Message) and message.is_topic_message:
        return message.message_thread_id
    return None


async def _today(repo: Repository, context: BotContext, chat_id: int, language: str) -> Any:
    schedule = await repo.schedule(chat_id)
    assert schedule is not None
    row = await plan_for(repo, context.services, chat_id, schedule, context.services.clock())
    content = await context.services.content(repo)
    document = content.document if content else None
    return render.briefing_message(
        context.services.translate,
        language,
        document.title if document else "",
        row.local_date.isoformat(),
        row.payload.get("picks", []),
        context.services.index.texts,
    )


async def today_command(update: Update, context: BotContext) -> None:
    """Today's briefing at once: the same one the push sends (or sent) today."""
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    language = context.chat.language
    async with context.services.store.transaction() as repo:
        text, keyboard = await _today(repo, context, chat.id, language)
    await message.reply_text(text, reply_markup=keyboard)


async def _settings_reply(
    repo: Repository, context: BotContext, chat_id: int, language: str
) -> tuple[Html, InlineKeyboardMarkup]:
    translate = context.services.translate
    schedule = await repo.schedule(chat_id)
    assert schedule is not None
    names = []
    for subscription in await repo.subscriptions(chat_id):
        topic = (
            context.services.library.catalog.by_slug(subscription.value)
            if subscription.kind == TOPIC
            else None
        )
        names.append(topic.name(language) if topic else f"“{subscription.label}”")
    separator = translate.plain(language, "general.separator")
    body = translate(
        language,
        "settings.body",
        time=schedule.briefing_time,
        timezone=schedule.timezone,
        state=translate.plain(
            language, "settings.paused" if schedule.paused else "settings.active"
        ),
        topics=separator.join(names) or translate.plain(language, "settings.no_topics"),
        next="—" if schedule.paused else _next_label(schedule),
    )
    toggle = "resume" if schedule.paused else "pause"
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    translate.plain(language, f"button.{toggle}"),
                    callback_data=render.Callback(SETTINGS, toggle).encode(),
                ),
                InlineKeyboardButton(
                    translate.plain(language, "button.today"),
                    callback_data=render.Callback(SETTINGS, "today").encode(),
                ),
            ]
        ]
    )
    return Html(f"{translate(language, 'settings.header')}\n{body}"), keyboard


async def settings_command(update: Update, context: BotContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    language = context.chat.language
    async with context.services.store.transaction() as repo:
        text, keyboard = await _settings_reply(repo, context, chat.id, language)
    await message.reply_text(text, reply_markup=keyboard)


async def change_setting(
    update: Update, context: BotContext, language: str, command: str, argument: str
) -> Html:
    """Apply one settings change (after the admin check); the answer to show."""
    chat = update.effective_chat
    assert chat is not None
    translate = context.services.translate
    now = context.services.clock()
    async with context.services.store.transaction() as repo:
        schedule = await repo.schedule(chat.id)
        assert schedule is not None
        if chat.type != "private":
            schedule.thread_id = _thread_of(update)
        current = {"time": schedule.briefing_time, "timezone": schedule.timezone}
        if command == "settime":
            at = parse_time_of_day(argument) if argument else None
            if at is None:
                return translate(language, "settings.time_usage", **current)
            schedule.briefing_time = format_time_of_day(at)
            _reschedule(schedule, now)
            return translate(
                language, "settings.time_set", time=schedule.briefing_time,
                timezone=schedule.timezone, next=_next_label(schedule),
            )  # fmt: skip
        if command == "timezone":
            if not argument:
                return translate(language, "settings.timezone_usage", **current)
            name = parse_timezone(argument)
            if name is None:
                return translate(language, "settings.timezone_unknown", zone=echo(argument))
            schedule.timezone = name
            _reschedule(schedule, now)
            return translate(
                language, "settings.timezone_set", time=schedule.briefing_time,
                timezone=schedule.timezone, next=_next_label(schedule),
            )  # fmt: skip
        if command == "pause":
            if schedule.paused:
                return translate(language, "settings.already_paused")
            schedule.paused = True
            return translate(language, "settings.paused_now")
        # resume
        if not schedule.paused:
            return translate(language, "settings.already_active", **current)
        schedule.paused = False
        _reschedule(schedule, now)
        return translate(
            language, "settings.resumed", time=schedule.briefing_time,
            timezone=schedule.timezone, next=_next_label(schedule),
        )  # fmt: skip


def _setting_command(command: str) -> Any:
    async def handle(update: Update, context: BotContext) -> None:
        message = update.effective_message
        assert message is not None
        language = context.chat.language
        if not await context.may_change_settings():
            await message.reply_text(context.services.translate(language, "subscribe.not_admin"))
            return
        argument = " ".join(context.args or []).strip()
        await message.reply_text(await change_setting(update, context, language, command, argument))

    handle.__name__ = f"{command}_command"
    handle.__doc__ = f"/{command}: change the chat's briefing settings (admins only in groups)."
    return handle


async def settings_button(update: Update, context: BotContext) -> None:
    query, chat = update.callback_query, update.effective_chat
    assert query is not None
    translate = context.services.translate
    callback = render.parse_callback(query.data)
    action = callback.argument if callback else ""
    language = context.chat.language
    async with context.services.store.transaction() as repo:
        if chat is None or action not in {"pause", "resume", "today"}:
            await query.answer(translate.plain(language, "callback.expired"))
            return
        if action == "today":
            text, keyboard = await _today(repo, context, chat.id, language)
    if action == "today":
        await query.answer()
        await context.bot.send_message(
            chat.id, text, reply_markup=keyboard, message_thread_id=_thread_of(update)
        )
        return
    if not await context.may_change_settings():
        await query.answer(translate.plain(language, "subscribe.not_admin"), show_alert=True)
        return
    notice = await change_setting(update, context, language, action, "")
    async with context.services.store.transaction() as repo:
        text, keyboard = await _settings_reply(repo, context, chat.id, language)
    await query.answer(as_plain(notice)[:190])
    await edit_in_place(query, text, keyboard)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("today", today_command),
        CommandHandler("settings", settings_command),
        *(
            CommandHandler(command, _setting_command(command))
            for command in ("settime", "timezone", "pause", "resume")
        ),
        CallbackQueryHandler(settings_button, pattern=rf"^{SETTINGS}:"),
    ]
