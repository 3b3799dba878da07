"""What no other handler took: stale or forged buttons get an answer, so no button spins forever."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.i18n import language_for
from bot.services import BotContext


async def expired_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    language = language_for(query.from_user.language_code)
    await query.answer(context.services.translate.plain(language, "callback.expired"))


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [CallbackQueryHandler(expired_button)]
