"""The daily briefing, as a chat steers it: /today, /settings, /settime, /timezone, /pause,
/resume, and the settings buttons. In groups only admins change settings; in a forum the
briefing goes to the topic where its settings were last changed (bot/usecases/briefing_settings
holds that rule and every other; this module parses, renders and replies)."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import render
from bot.callbacks import Action, Callback, parse_callback, pattern
from bot.context import BotContext
from bot.i18n import Html, Translator, as_plain
from bot.replies.answering import edit_in_place, thread_of
from bot.replies.briefing_settings import change_answer, next_label
from bot.usecases import briefing_settings
from bot.usecases.briefing_settings import BriefingSettings, SettingChange

SETTING_COMMANDS = ("settime", "timezone", "pause", "resume")


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
    )


async def today_command(update: Update, context: BotContext) -> None:
    """Today's briefing at once: the same one the push sends (or sent) today."""
    message, chat_id = update.effective_message, context.chat.id
    assert message is not None and chat_id is not None
    text, keyboard = await _today_reply(context, chat_id)
    await message.reply_text(text, reply_markup=keyboard)


def _settings_reply(
    translate: Translator, language: str, view: BriefingSettings
) -> tuple[Html, InlineKeyboardMarkup]:
    names = [f.name if f.topic else f"“{f.name}”" for f in view.followed]
    separator = translate.plain(language, "general.separator")
    body = translate(
        language,
        "settings.body",
        time=view.time,
        timezone=view.timezone,
        state=translate.plain(language, "settings.paused" if view.paused else "settings.active"),
        topics=separator.join(names) or translate.plain(language, "settings.no_topics"),
        next=next_label(view),
    )
    toggle = "resume" if view.paused else "pause"
    keyboard = InlineKeyboardMarkup(
        [
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
    )
    return Html(f"{translate(language, 'settings.header')}\n{body}"), keyboard


async def settings_command(update: Update, context: BotContext) -> None:
    message, chat_id = update.effective_message, context.chat.id
    assert message is not None and chat_id is not None
    services, language = context.services, context.chat.language
    view = await briefing_settings.settings_view(services, chat_id, language)
    text, keyboard = _settings_reply(services.translate, language, view)
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
    same topic), or pause / resume (admins only), answered with a notice and the settings
    message edited to show the change."""
    query, chat_id = update.callback_query, context.chat.id
    assert query is not None
    translate, language = context.services.translate, context.chat.language
    callback = parse_callback(query.data)
    action = callback.argument if callback else ""
    if chat_id is None or action not in {"pause", "resume", "today"}:
        await query.answer(translate.plain(language, "callback.expired"))
        return
    thread_id = thread_of(query.message)
    if action == "today":
        text, keyboard = await _today_reply(context, chat_id)
        await query.answer()
        await context.bot.send_message(
            chat_id, text, reply_markup=keyboard, message_thread_id=thread_id
        )
        return
    if not await context.may_change_settings():
        await query.answer(translate.plain(language, "subscribe.not_admin"), show_alert=True)
        return
    change = await _apply(context, chat_id, action, "", thread_id)
    view = await briefing_settings.settings_view(context.services, chat_id, language)
    text, keyboard = _settings_reply(translate, language, view)
    await query.answer(as_plain(change_answer(translate, language, change))[:190])
    await edit_in_place(query, text, keyboard)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("today", today_command),
        CommandHandler("settings", settings_command),
        *(CommandHandler(command, _setting_command(command)) for command in SETTING_COMMANDS),
        CallbackQueryHandler(settings_button, pattern=pattern(Action.SETTINGS)),
    ]
