"""/lang: the language the bot speaks in a chat (中文 or English). Buttons without an argument;
in groups only admins change it. The document itself stays Chinese."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import render
from bot.context import BotContext
from bot.i18n import LANGUAGES
from bot.replies.answering import echo, edit_in_place
from bot.usecases import chats

SET_LANGUAGE = "lang"  # lang:<code>
_NAMES = {"zh": "中文", "en": "English"}
_ALIASES = {"zh": "zh", "cn": "zh", "chinese": "zh", "中文": "zh", "en": "en", "english": "en",
            "英文": "en", "英语": "en"}  # fmt: skip


def _keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _NAMES[code], callback_data=render.Callback(SET_LANGUAGE, code).encode()
                )
                for code in LANGUAGES
            ]
        ]
    )


async def _set(context: BotContext, chat_id: int, language: str) -> str:
    await chats.set_language(context.services, chat_id, language)
    return context.services.translate(language, "language.set", name=_NAMES[language])


async def lang_command(update: Update, context: BotContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    translate = context.services.translate
    argument = " ".join(context.args or []).strip()
    current = context.chat.language
    if not argument:
        text = translate(current, "language.choose", name=_NAMES[current])
        await message.reply_text(text, reply_markup=_keyboard())
        return
    wanted = _ALIASES.get(argument.lower())
    if wanted is None:
        await message.reply_text(translate(current, "language.unknown", argument=echo(argument)))
        return
    if not await context.may_change_settings():
        await message.reply_text(translate(current, "subscribe.not_admin"))
        return
    await message.reply_text(await _set(context, chat.id, wanted))


async def language_button(update: Update, context: BotContext) -> None:
    query, chat = update.callback_query, update.effective_chat
    assert query is not None
    translate = context.services.translate
    callback = render.parse_callback(query.data)
    wanted = callback.argument if callback else ""
    current = context.chat.language
    if chat is None or wanted not in LANGUAGES:
        await query.answer(translate.plain(current, "callback.expired"))
        return
    if not await context.may_change_settings():
        await query.answer(translate.plain(current, "subscribe.not_admin"), show_alert=True)
        return
    text = await _set(context, chat.id, wanted)
    await query.answer()
    await edit_in_place(query, text, None)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("lang", lang_command),
        CallbackQueryHandler(language_button, pattern=rf"^{SET_LANGUAGE}:"),
    ]
