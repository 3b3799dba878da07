"""Sending one planned briefing: claim its ledger row, send (without a sound for a chat that chose
/quiet), mark the outcome, and meet each of Telegram's faults the way it asks to be met.

    403 Forbidden          the chat blocked or removed the bot: chat inactive, data kept
    ChatMigrated           the group became a supergroup: move the chat, send there
    429 RetryAfter         wait as long as Telegram says, then try the same chat again
    TimedOut (read/write)  the message may have arrived: recorded as uncertain, not re-sent
    TimedOut (connect), 5xx and other network errors
                           retried with backoff a few times, then left for the next catch-up
    400 thread not found   a deleted forum topic: send to General instead
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot import render
from bot.briefing import BroadcastPayload
from bot.i18n import Html, escape
from bot.ledger_writer import LedgerWriter
from bot.services import Services
from bot.store.repository import FAILED, GAVE_UP, SENT, UNCERTAIN, Claim, Mark

logger = logging.getLogger(__name__)

NETWORK_RETRIES = 3
BACKOFF_SECONDS = 1.0
BUILT_KEPT = 256  # briefings built and kept for the chats that get the same one
MAX_RETRY_AFTER_WAITS = 20  # a chat rate-limited this often is left for the next catch-up
_THREAD_GONE = ("thread not found", "topic_closed", "topic_deleted")
_CHAT_GONE = ("chat not found", "bot was kicked", "user is deactivated", "have no rights")


@dataclass(frozen=True)
class Outcome:
    status: str  # sent, failed, uncertain, gave_up, skipped
    chat_id: int
    detail: str = ""


def _seconds(retry_after: int | float | timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)


class FloodPause:
    """Telegram's 429 holds the whole push, not only the send that got it: every sender waits
    until the latest `retry_after` has passed before its next send (the clock and the sleep
    are injected in tests)."""

    def __init__(
        self,
        timer: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.timer, self.sleep = timer, sleep
        self.until = 0.0
        self.count = 0  # 429s met
        self.seconds = 0.0  # the retry_after they asked for, in all

    def hold(self, seconds: float) -> None:
        self.count += 1
        self.seconds += seconds
        self.until = max(self.until, self.timer() + seconds)

    async def clear(self) -> None:
        """Return once no 429 holds the push."""
        while (left := self.until - self.timer()) > 0:
            await self.sleep(left)


def may_have_arrived(error: TimedOut) -> bool:
    """A read or write timeout may hide a delivered message; a connect or pool timeout cannot."""
    cause = error.__cause__
    never_sent = httpx.ConnectTimeout | httpx.PoolTimeout | aiohttp.ConnectionTimeoutError
    return not isinstance(cause, never_sent)


async def send_planned(services: Services, bot: Bot, delivery_id: int) -> Outcome:
    """Claim and send one queued (or failed) ledger row."""
    async with services.store.transaction() as repo:
        claimed = await repo.claim_deliveries([delivery_id], services.clock())
    if not claimed:
        return Outcome("skipped", 0, "claimed elsewhere or already done")
    return await send_claimed(services, bot, claimed[0])


Built = tuple[Html, dict[str, Any] | None]  # a briefing's text and keyboard (Bot API JSON)

# The Bot API's method names are case-insensitive (core.telegram.org/bots/api, "Making
# requests"). python-telegram-bot's do_api_request warns when given a name its Bot has a method
# for (because it applies no Defaults: the push states them itself), so the push names it in
# lower case.
SEND_MESSAGE = "sendmessage"
LINK_PREVIEW_OFF = {"is_disabled": True}  # as the Application's Defaults say for every message


def keyboard_json(keyboard: InlineKeyboardMarkup) -> dict[str, Any]:
    """The keyboard as the Bot API's JSON, from each button's JSON made once: a large push puts
    the same few hundred buttons on thousands of briefings, and python-telegram-bot's generic
    `to_dict` cost more than the rest of building a briefing (issue 15's profiles)."""
    return {"inline_keyboard": [[_button_json(b) for b in row] for row in keyboard.inline_keyboard]}


@functools.lru_cache(maxsize=1024)
def _button_json(button: InlineKeyboardButton) -> dict[str, Any]:
    """Shared between messages, so never changed: only read when encoded. Keyed by the
    button's equality (its text, action and style); the two actions it leaves out (copy_text,
    switch_inline_query_chosen_chat) cannot sit beside another action on one button."""
    return button.to_dict()


async def post_message(
    bot: Bot,
    chat_id: int,
    text: str,
    keyboard: dict[str, Any] | None,
    thread_id: int | None,
    quiet: bool,
    paid: bool,
) -> int:
    """sendMessage through `Bot.do_api_request`; the sent message's id.

    `bot.send_message` builds a full Message from every answer (chat, sender, text, keyboard:
    about a tenth of the push's CPU in issue 15's profiles) and converts the keyboard again on
    every send; the push needs only the id. The call goes through the same request path, so
    the rate limiter applies and Telegram's refusals arrive as the same telegram.error
    exceptions (RetryAfter, Forbidden, BadRequest, ChatMigrated, TimedOut, NetworkError)."""
    parameters: dict[str, Any] = {
        "chat_id": chat_id,
        "text": text,
        "parse_mode": "HTML",
        "link_preview_options": LINK_PREVIEW_OFF,
    }
    if keyboard is not None:
        parameters["reply_markup"] = keyboard
    if thread_id is not None:
        parameters["message_thread_id"] = thread_id
    if quiet:
        parameters["disable_notification"] = True
    if paid:
        parameters["allow_paid_broadcast"] = True
    sent = await bot.do_api_request(SEND_MESSAGE, parameters)
    return int(sent["message_id"])


async def send_claimed(
    services: Services,
    bot: Bot,
    claim: Claim,
    sleep: Any = asyncio.sleep,
    *,
    ledger: LedgerWriter | None = None,
    pause: FloodPause | None = None,
    built: dict[Any, Built] | None = None,
) -> Outcome:
    """Send a ledger row this process has claimed. Never raises for Telegram's faults: every
    outcome is written to the ledger (by `ledger` in its next batch, or at once without one).

    `pause`: the push's shared wait after a 429; `built`: the push's messages by what they
    show, so chats that get the same briefing share one build. With PAID_BROADCAST on, the
    send is a paid broadcast (`allow_paid_broadcast`): only here, never for an answer."""
    store, translate = services.store, services.translate
    quiet = False
    if isinstance(claim.payload, BroadcastPayload):  # the owner's words, escaped, nothing more
        if claim.payload.text is None:  # its broadcast is gone: nothing to send
            return await _finish(
                services, claim.delivery_id, claim.chat_id, GAVE_UP, "no text", ledger=ledger
            )
        text, markup = Html(escape(claim.payload.text)), None
    else:
        quiet = claim.quiet  # the chat's /quiet: the briefing arrives without a sound
        # The same picks of the same plan read the same on the same day in the same language:
        # built once per push (a large push sends the same few hundred briefings again and again).
        key = (claim.language, claim.local_date, claim.payload.document, claim.payload.picks)
        made = built.get(key) if built is not None else None
        if made is None:
            index = services.index
            words, keyboard = render.briefing_message(
                translate,
                claim.language,
                index.titles[index.newest][0],  # the newest plan, content/'s or imported
                claim.local_date.isoformat(),
                claim.payload.located_picks(),
                index.texts,
                index.translations.get(index.newest),  # English chats read it; None: Chinese
                translations=index.translations,  # each pick in its own document's
            )
            made = (words, keyboard_json(keyboard) if keyboard is not None else None)
            if built is not None:
                if len(built) >= BUILT_KEPT:
                    built.pop(next(iter(built)))
                built[key] = made
        text, markup = made
    paid = services.settings.paid_broadcast
    delivery_id, chat_id, thread_id = claim.delivery_id, claim.chat_id, claim.thread_id
    network_failures = 0
    rate_limited = 0
    while True:
        try:
            if pause is not None:
                await pause.clear()
            message_id = await post_message(bot, chat_id, text, markup, thread_id, quiet, paid)
        except RetryAfter as error:
            rate_limited += 1
            if rate_limited > MAX_RETRY_AFTER_WAITS:
                return await _finish(
                    services, delivery_id, chat_id, FAILED, "rate limited", ledger=ledger
                )
            if pause is None:
                await sleep(_seconds(error.retry_after))
            else:
                pause.hold(_seconds(error.retry_after))
                await pause.clear()
            # The wait may have been long: renew the lease, and send only a row still ours.
            if ledger is not None and not await ledger.renew(delivery_id):
                return Outcome("skipped", chat_id, "taken over by another sender")
            continue
        except Forbidden as error:  # inactive, with the outcome's write
            outcome = await _finish(
                services, delivery_id, chat_id, GAVE_UP, f"forbidden: {error}",
                ledger=ledger, chat_gone=True,
            )  # fmt: skip
            services.chats.forget(chat_id)
            return outcome
        except ChatMigrated as error:
            new_id = int(error.new_chat_id)
            async with store.transaction() as repo:
                await repo.migrate_chat(chat_id, new_id)
            services.chats.forget(chat_id, new_id)
            logger.info("chat %s migrated to %s; delivering there", chat_id, new_id)
            chat_id = new_id
            continue
        except BadRequest as error:
            reason = error.message.lower()
            if thread_id is not None and any(gone in reason for gone in _THREAD_GONE):
                thread_id = None  # the forum topic is gone: General still works
                continue
            chat_gone = any(gone in reason for gone in _CHAT_GONE)
            outcome = await _finish(
                services, delivery_id, chat_id, GAVE_UP, error.message,
                ledger=ledger, chat_gone=chat_gone,
            )  # fmt: skip
            if chat_gone:
                services.chats.forget(chat_id)
            return outcome
        except TimedOut as error:
            if may_have_arrived(error):
                return await _finish(
                    services, delivery_id, chat_id, UNCERTAIN, "read timeout", ledger=ledger
                )
            network_failures += 1
            if network_failures > NETWORK_RETRIES:
                return await _finish(
                    services, delivery_id, chat_id, FAILED, "timeouts", ledger=ledger
                )
            await sleep(BACKOFF_SECONDS * 2 ** (network_failures - 1))
        except NetworkError as error:
            network_failures += 1
            if network_failures > NETWORK_RETRIES:
                return await _finish(
                    services, delivery_id, chat_id, FAILED, str(error)[:200], ledger=ledger
                )
            await sleep(BACKOFF_SECONDS * 2 ** (network_failures - 1))
        except TelegramError as error:  # anything else Telegram refuses: do not loop on it
            return await _finish(
                services, delivery_id, chat_id, GAVE_UP, str(error)[:200], ledger=ledger
            )
        else:
            return await _finish(
                services, delivery_id, chat_id, SENT, message_id=message_id, ledger=ledger
            )


async def _finish(
    services: Services,
    delivery_id: int,
    chat_id: int,
    status: str,
    detail: str = "",
    message_id: int | None = None,
    ledger: LedgerWriter | None = None,
    chat_gone: bool = False,
) -> Outcome:
    """Write the outcome (with the ledger's next batch, or at once); `chat_gone`: the chat
    blocked or removed the bot, and becomes inactive in the same write."""
    if status != SENT:
        logger.warning("briefing for chat %s: %s (%s)", chat_id, status, detail)
    mark = Mark(
        delivery_id, status, services.clock(), message_id, detail or None,
        chat_id if chat_gone else None,
    )  # fmt: skip
    if ledger is not None:
        await ledger.mark(mark)
    else:
        async with services.store.transaction() as repo:
            await repo.finish_deliveries([mark])
    return Outcome(status, chat_id, detail)
