"""The daily briefing, as a chat steers it: /today, /settings, /settime, /timezone, /pause,
/resume, /quiet, /items, /days, and the settings buttons. In groups only admins change settings;
in a forum the briefing goes to the topic where its settings were last changed
(bot/usecases/briefing_settings holds that rule and every other; this module parses, renders and
replies)."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import render
from bot.callbacks import Action, Callback, parse_callback, pattern
from bot.context import BotContext
from bot.i18n import Html, Translator, as_plain
from bot.replies.answering import edit_in_place, thread_of
from bot.replies.briefing_settings import change_answer, days_label, next_label, quiet_label
from bot.usecases import briefing_settings, reading
from bot.usecases.briefing_settings import BriefingSettings, SettingChange

SETTING_COMMANDS = ("settime", "timezone", "pause", "resume", "quiet", "items", "days")
# The private /settings buttons: times of day, and zones with their label's catalogue key.
TIME_BUTTONS = ("07:00", "08:00", "09:00", "12:00", "18:00")
ZONE_BUTTONS = {
    "Asia/Shanghai": "shanghai",
    "Europe/London": "london",
    "America/New_York": "new_york",
    "UTC": "utc",
}


async def _today_reply(
    context: BotContext, chat_id: int
) -> tuple[Html, InlineKeyboardMarkup | None]:
    services = context.services
    briefing = await briefing_settings.today(services, chat_id)
    return render.briefing_message(
        services.translate,
        context.chat.language,
        briefing.title,
        briefing.day.isoformat(),
        briefing.picks,
        services.index.texts,
        reading.translation(services),
        translations=services.index.translations,
    )


async def today_command(update: Update, context: BotContext) -> None:
    """Today's briefing at once: the same one the push sends (or sent) today."""
    message, chat_id = update.effective_message, context.chat.id
    assert message is not None and chat_id is not None
    text, keyboard = await _today_reply(context, chat_id)
    await message.reply_text(text, reply_markup=keyboard)


def _settings_reply(
    translate: Translator, language: str, view: BriefingSettings, private: bool
) -> tuple[Html, InlineKeyboardMarkup]:
    names = [f.name if f.topic else f"“{f.name}”" for f in view.followed]
    separator = translate.plain(language, "general.separator")
    body = translate(
        language,
        "settings.body",
        time=view.time,
        timezone=view.timezone,
        days=days_label(translate, language, view.weekdays),
        state=translate.plain(language, "settings.paused" if view.paused else "settings.active"),
        quiet=quiet_label(translate, language, view.quiet),
        items=view.items,
        topics=separator.join(names) or translate.plain(language, "settings.no_topics"),
        next=next_label(view),
    )
    toggle = "resume" if view.paused else "pause"
    rows = [
        [
            InlineKeyboardButton(
                translate.plain(language, f"button.{toggle}"),
                callback_data=Callback(Action.SETTINGS, toggle).encode(),
            ),
            InlineKeyboardButton(
                translate.plain(language, "button.today"),
                callback_data=Callback(Action.SETTINGS, "today").encode(),
            ),
        ]
    ]
    if private:
        rows.extend(_choice_rows(translate, language, view))
    return Html(f"{translate(language, 'settings.header')}\n{body}"), InlineKeyboardMarkup(rows)


def _choice_rows(
    translate: Translator, language: str, view: BriefingSettings
) -> list[list[InlineKeyboardButton]]:
    """A private chat's one-tap choices: the time, a few zones, sound or silence; ✓ marks the
    chat's own."""

    def button(label: str, argument: str, chosen: bool) -> InlineKeyboardButton:
        if chosen:
            label = translate.plain(language, "briefing_choices.buttons.chosen", label=label)
        return InlineKeyboardButton(
            label, callback_data=Callback(Action.SETTINGS, argument).encode()
        )

    times = [button(t, f"time:{t.replace(':', '')}", t == view.time) for t in TIME_BUTTONS]
    zones = [
        button(
            translate.plain(language, f"briefing_choices.buttons.{key}"),
            f"tz:{name}",
            name == view.timezone,
        )
        for name, key in ZONE_BUTTONS.items()
    ]
    sound = [
        button(translate.plain(language, "briefing_choices.buttons.quiet_on"), "quiet:on",
               view.quiet),
        button(translate.plain(language, "briefing_choices.buttons.quiet_off"), "quiet:off",
               not view.quiet),
    ]  # fmt: skip
    return [times, zones, sound]


def _button_change(argument: str) -> tuple[str, str] | None:
    """A settings button's callback argument → (command, argument) of the change it makes; None
    for anything we did not write."""
    if argument in {"pause", "resume"}:
        return argument, ""
    kind, _, value = argument.partition(":")
    if kind == "time" and f"{value[:2]}:{value[2:]}" in TIME_BUTTONS:
        return "settime", f"{value[:2]}:{value[2:]}"
    if kind == "tz" and value in ZONE_BUTTONS:
        return "timezone", value
    if kind == "quiet" and value in {"on", "off"}:
        return "quiet", value
    return None


async def settings_command(update: Update, context: BotContext) -> None:
    message, chat_id = update.effective_message, context.chat.id
    assert message is not None and chat_id is not None
    services, language = context.services, context.chat.language
    view = await briefing_settings.settings_view(services, chat_id, language)
    text, keyboard = _settings_reply(services.translate, language, view, context.chat.private)
    await message.reply_text(text, reply_markup=keyboard)


async def _apply(
    context: BotContext, chat_id: int, command: str, argument: str, thread_id: int | None
) -> SettingChange:
    """One settings change, after the admin check. `thread_id`: the forum topic it came from."""
    services = context.services
    if command == "settime":
        return await briefing_settings.set_time(services, chat_id, argument, thread_id)
    if command == "timezone":
        return await briefing_settings.set_timezone(services, chat_id, argument, thread_id)
    if command == "pause":
        return await briefing_settings.pause(services, chat_id, thread_id)
    if command == "quiet":
        return await briefing_settings.set_quiet(services, chat_id, argument, thread_id)
    if command == "items":
        return await briefing_settings.set_items(services, chat_id, argument, thread_id)
    if command == "days":
        return await briefing_settings.set_days(services, chat_id, argument, thread_id)
    return await briefing_settings.resume(services, chat_id, thread_id)


def _setting_command(command: str) -> Any:
    async def handle(update: Update, context: BotContext) -> None:
        message, chat_id = update.effective_message, context.chat.id
        assert message is not None and chat_id is not None
        translate, language = context.services.translate, context.chat.language
        if not await context.may_change_settings():
            await message.reply_text(translate(language, "subscribe.not_admin"))
            return
        argument = " ".join(context.args or []).strip()
        change = await _apply(context, chat_id, command, argument, thread_of(message))
        await message.reply_text(change_answer(translate, language, change, argument))

    handle.__name__ = f"{command}_command"
    handle.__doc__ = f"/{command}: change the chat's briefing settings (admins only in groups)."
    return handle


async def settings_button(update: Update, context: BotContext) -> None:
    """The buttons under /settings: today's briefing (for everyone, as a new message in the
    same topic), or a change (admins only: pause / resume, and in private chats the time, the
    zone, sound or silence), answered with a notice and the settings message edited to show
    it."""
    query, chat_id = update.callback_query, context.chat.id
    assert query is not None
    translate, language = context.services.translate, context.chat.language
    callback = parse_callback(query.data)
    action = callback.argument if callback else ""
    change_asked = _button_change(action)
    if chat_id is None or (action != "today" and change_asked is None):
        await query.answer(translate.plain(language, "callback.expired"))
        return
    thread_id = thread_of(query.message)
    if change_asked is None:  # today
        text, keyboard = await _today_reply(context, chat_id)
        await query.answer()
        await context.bot.send_message(
            chat_id, text, reply_markup=keyboard, message_thread_id=thread_id
        )
        return
    if not await context.may_change_settings():
        await query.answer(translate.plain(language, "subscribe.not_admin"), show_alert=True)
        return
    command, argument = change_asked
    change = await _apply(context, chat_id, command, argument, thread_id)
    view = await briefing_settings.settings_view(context.services, chat_id, language)
    text, keyboard = _settings_reply(translate, language, view, context.chat.private)
    await query.answer(as_plain(change_answer(translate, language, change, argument))[:190])
    await edit_in_place(query, text, keyboard)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("today", today_command),
        CommandHandler("settings", settings_command),
        *(CommandHandler(command, _setting_command(command)) for command in SETTING_COMMANDS),
        CallbackQueryHandler(settings_button, pattern=pattern(Action.SETTINGS)),
    ]
