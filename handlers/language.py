"""/lang: the language the bot speaks in a chat (中文 or English). Buttons without an argument;
in groups only admins change it. The document itself stays Chinese.

The chat and its current language come resolved on the context; the change goes through
bot.usecases.chats, which also forgets the chat's cached language."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import Action, Callback, parse_callback, pattern
from bot.context import BotContext
from bot.i18n import LANGUAGES
from bot.replies.answering import echo, edit_in_place
from bot.usecases import chats

_NAMES = {"zh": "中文", "en": "English"}
_ALIASES = {"zh": "zh", "cn": "zh", "chinese": "zh", "中文": "zh", "en": "en", "english": "en",
            "英文": "en", "英语": "en"}  # fmt: skip


def _keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _NAMES[code], callback_data=Callback(Action.SET_LANGUAGE, code).encode()
                )
                for code in LANGUAGES
            ]
        ]
    )


async def _set(context: BotContext, chat_id: int, language: str) -> str:
    """Change the chat's language; the confirmation, already in the new language."""
    await chats.set_language(context.services, chat_id, language)
    return context.services.translate(language, "language.set", name=_NAMES[language])


async def lang_command(update: Update, context: BotContext) -> None:
    message, chat_id = update.effective_message, context.chat.id
    assert message is not None and chat_id is not None
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
    await message.reply_text(await _set(context, chat_id, wanted))


async def language_button(update: Update, context: BotContext) -> None:
    query, chat_id = update.callback_query, context.chat.id
    assert query is not None
    translate = context.services.translate
    callback = parse_callback(query.data)
    wanted = callback.argument if callback else ""
    current = context.chat.language
    if chat_id is None or wanted not in LANGUAGES:  # a button under an inline message: no chat
        await query.answer(translate.plain(current, "callback.expired"))
        return
    if not await context.may_change_settings():
        await query.answer(translate.plain(current, "subscribe.not_admin"), show_alert=True)
        return
    text = await _set(context, chat_id, wanted)
    await query.answer()
    await edit_in_place(query, text, None)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("lang", lang_command),
        CallbackQueryHandler(language_button, pattern=pattern(Action.SET_LANGUAGE)),
    ]
