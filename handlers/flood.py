"""Flood control, before any other handler: a user who sends more than BURST updates within
WINDOW seconds gets one polite answer, then silence until they have been quiet for WINDOW
seconds. Dropping an update costs microseconds, so a flooder cannot slow other chats down."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.context import BotContext
from bot.usecases import chats

BURST = 20
WINDOW = 10.0  # seconds
MAX_TRACKED_USERS = 50_000


class FloodGate:
    """Recent update times per user; who is being silenced, and since when."""

    def __init__(
        self,
        burst: int = BURST,
        window: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst, self.window, self.clock = burst, window, clock
        self.recent: dict[int, deque[float]] = {}
        self.silenced: dict[int, float] = {}  # user → time of their latest update while silenced

    def admit(self, user_id: int) -> str:
        """ "pass", "warn" (first update over the limit) or "drop"."""
        now = self.clock()
        if user_id in self.silenced:
            if now - self.silenced[user_id] < self.window:
                self.silenced[user_id] = now
                return "drop"
            del self.silenced[user_id]
            self.recent.pop(user_id, None)
        times = self.recent.setdefault(user_id, deque())
        times.append(now)
        while times and now - times[0] > self.window:
            times.popleft()
        if len(times) > self.burst:
            self.silenced[user_id] = now
            return "warn"
        if len(self.recent) > MAX_TRACKED_USERS:  # forget the quietest users first
            for stale in [u for u, t in self.recent.items() if not t or now - t[-1] > self.window]:
                del self.recent[stale]
        return "pass"


async def _language(context: BotContext, update: Update) -> str:
    """The chat's language, as its other answers speak it: flood control runs before the chat
    is resolved, so it asks memory, then the store (once per warning, a rare event), and only
    for a chat the bot has never recorded goes by the user's client."""
    chat, user = update.effective_chat, update.effective_user
    stored = await chats.stored_language(context.services, chat.id) if chat else None
    if stored is not None:
        return stored
    return chats.without_record(
        context.services,
        chat.id if chat else None,
        chat.type if chat else None,
        user.language_code if user else None,
    ).language


def build_handler(gate: FloodGate) -> BaseHandler[Update, BotContext, Any]:
    async def check(update: Update, context: BotContext) -> None:
        user = update.effective_user
        if user is None:
            return
        verdict = gate.admit(user.id)
        if verdict == "pass":
            return
        if verdict == "warn":
            language = await _language(context, update)
            text = context.services.translate(language, "flood.slow_down", seconds=int(gate.window))
            if update.callback_query is not None:
                await update.callback_query.answer(text, show_alert=True)
            elif update.effective_message is not None and (
                update.effective_chat is None or update.effective_chat.type == ChatType.PRIVATE
            ):
                await update.effective_message.reply_text(text)
        raise ApplicationHandlerStop

    return TypeHandler(Update, check)
