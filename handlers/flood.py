"""Flood control, before any other handler. Two budgets, both over WINDOW seconds:

- per sender: more than BURST updates and they get one polite answer, then silence until they
  have been quiet for WINDOW seconds. Senders that Telegram shares between many people (an
  anonymous group admin is always GroupAnonymousBot, a channel speaking in a group Channel_Bot)
  are counted per (sender, chat), so one group's anonymous admin does not silence every group's;
- per chat: more than CHAT_BURST updates that passed the sender budget and the chat is silenced
  for WINDOW seconds, with one polite answer, so a few members together cannot keep the bot
  answering one group (Telegram lets a bot post about 20 messages a minute in a group).

Every kind of update counts: messages, edits, button taps, inline queries. Dropping an update
costs microseconds, so a flooder cannot slow other chats down. What the gate remembers is
bounded: senders and chats idle for a window are forgotten as the gate goes (least recently
active first), and never more than MAX_TRACKED of each are kept."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any, Literal

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.context import BotContext
from bot.usecases import chats

BURST = 20
WINDOW = 10.0  # seconds
CHAT_BURST_PER_BURST = 1.5  # a chat's budget: one and a half senders' (30 by default)
MAX_TRACKED = 50_000  # senders (and, apart, chats) remembered at most
MAX_TRACKED_USERS = MAX_TRACKED  # the old name
# Telegram's stand-ins for senders it hides: they speak for many people in many chats.
GROUP_ANONYMOUS_BOT = 1087968824
CHANNEL_BOT = 136817688
TELEGRAM_SERVICE = 777000  # channel posts forwarded into their linked discussion group
SHARED_SENDERS = frozenset({GROUP_ANONYMOUS_BOT, CHANNEL_BOT, TELEGRAM_SERVICE})

Verdict = Literal["pass", "warn", "warn_chat", "drop"]
Key = int | tuple[int, int]


class _Budget:
    """One sender's (or chat's) recent update times, and since when it is silenced."""

    __slots__ = ("last", "silenced_at", "times")

    def __init__(self) -> None:
        self.times: deque[float] = deque()
        self.silenced_at: float | None = None
        self.last = 0.0  # the latest update, admitted or not


class Budgets:
    """Budgets by key, least recently active first, so that pruning idle ones costs O(1) per
    update on average. `extend`: an update while silenced prolongs the silence (senders), or
    the silence lasts one window from its start (chats). The reading view's API counts its
    readers' requests with one too (entry/webapp/server.py)."""

    def __init__(self, burst: int, window: float, extend: bool, max_tracked: int) -> None:
        self.burst, self.window, self.extend, self.max_tracked = burst, window, extend, max_tracked
        self.budgets: OrderedDict[Key, _Budget] = OrderedDict()

    def admit(self, key: Key, now: float) -> Literal["pass", "warn", "drop"]:
        budget = self.budgets.get(key)
        if budget is None:
            budget = self.budgets[key] = _Budget()
        else:
            self.budgets.move_to_end(key)
        budget.last = now
        self._prune(now)
        if budget.silenced_at is not None:
            if now - budget.silenced_at < self.window:
                if self.extend:
                    budget.silenced_at = now
                return "drop"
            budget.silenced_at = None
            budget.times.clear()
        times = budget.times
        times.append(now)
        while times and now - times[0] > self.window:
            times.popleft()
        if len(times) > self.burst:
            budget.silenced_at = now
            return "warn"
        return "pass"

    def _prune(self, now: float) -> None:
        """Forget the budgets idle for a window (their silence is over too), oldest first; at
        the cap, the least recently active even if not idle yet."""
        budgets = self.budgets
        while budgets:
            key, oldest = next(iter(budgets.items()))
            if now - oldest.last <= self.window and len(budgets) <= self.max_tracked:
                break
            del budgets[key]

    def forget(self, key: Key) -> None:
        self.budgets.pop(key, None)


class FloodGate:
    """The sender and chat budgets; `admit` says what to do with one update."""

    def __init__(
        self,
        burst: int = BURST,
        window: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
        chat_burst: int | None = None,
        max_tracked: int = MAX_TRACKED,
    ) -> None:
        """`chat_burst` defaults to one and a half times `burst`, so a gate built with a huge
        burst (tests that send faster than any person) has no chat limit either."""
        if chat_burst is None:
            chat_burst = int(burst * CHAT_BURST_PER_BURST)
        self.burst, self.chat_burst, self.window, self.clock = burst, chat_burst, window, clock
        self.senders = Budgets(burst, window, extend=True, max_tracked=max_tracked)
        self.chats = Budgets(chat_burst, window, extend=False, max_tracked=max_tracked)

    @staticmethod
    def sender_key(user_id: int, chat_id: int | None) -> Key:
        if user_id in SHARED_SENDERS and chat_id is not None:
            return (user_id, chat_id)
        return user_id

    def admit(self, user_id: int | None, chat_id: int | None = None) -> Verdict:
        """ "pass"; "warn" (the sender's first update over their budget); "warn_chat" (the
        first over the chat's); "drop" (silenced, sender or chat). An update the sender's
        budget drops does not count against the chat: one flooder silences only themselves."""
        now = self.clock()
        if user_id is not None:
            verdict = self.senders.admit(self.sender_key(user_id, chat_id), now)
            if verdict != "pass":
                return verdict
        if chat_id is not None:
            verdict = self.chats.admit(chat_id, now)
            if verdict == "warn":
                return "warn_chat"
            return verdict
        return "pass"

    def tracked(self) -> int:
        """How many senders and chats the gate remembers (bounded; for tests and metrics)."""
        return len(self.senders.budgets) + len(self.chats.budgets)


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
        user, chat = update.effective_user, update.effective_chat
        if user is None and chat is None:
            return
        verdict = gate.admit(user.id if user else None, chat.id if chat else None)
        if verdict == "pass":
            return
        if verdict in ("warn", "warn_chat"):
            language = await _language(context, update)
            text = context.services.translate(language, "flood.slow_down", seconds=int(gate.window))
            if update.callback_query is not None:
                await update.callback_query.answer(text, show_alert=True)
            elif update.effective_message is not None and (
                # A sender is told in private only (in a group the note would be noise for
                # everyone else); a chat over its budget is told once, wherever it is.
                verdict == "warn_chat" or chat is None or chat.type == ChatType.PRIVATE
            ):
                await update.effective_message.reply_text(text)
        raise ApplicationHandlerStop

    return TypeHandler(Update, check)
