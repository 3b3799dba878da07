"""The error handler: log first, then tell the user something short and kind, then tell the owners
what broke, as python-telegram-bot's errorhandlerbot example does.

An owner's report is short: the exception's type, the end of its traceback and the update it came
from; never the update itself (other people's messages). At most one report per owner a minute:
a bug that fails every update must not become a flood in the owner's chat (nor use up the bot's
own sending rate); the next report says how many were left out. The bot token is redacted, as in
the logs: an exception can quote a request URL. A report that cannot be delivered (the owner never
opened a chat with the bot) is logged and dropped: the error handler itself must never fail."""

from __future__ import annotations

import contextlib
import logging
import time
import traceback
from collections.abc import Callable, Collection, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError

from bot.context import BotContext
from bot.i18n import Html, Translator, escape, language_for
from bot.logs import REDACTED, redact
from bot.replies.answering import thread_of
from bot.usecases import chats

logger = logging.getLogger(__name__)

REPORT_INTERVAL = 60.0  # seconds: at most one report per owner in this time
TRACEBACK_ROOM = 3_000  # of traceback (its end) in a report: well within one message

ErrorCallback = Callable[[object, BotContext], Coroutine[Any, Any, None]]


class MessageSender(Protocol):
    """What a report needs of the bot (a fake in tests)."""

    async def send_message(self, chat_id: int, text: str, *, parse_mode: str) -> object: ...


@dataclass
class _Owner:
    last_report: float | None = None
    left_out: int = 0  # errors since the last report that were not reported


class OwnerReports:
    """Reports errors to the owners' private chats, rate-limited per owner. One per Application:
    its memory of when each owner was last told lives as long as the process."""

    def __init__(
        self,
        owner_ids: Collection[int],
        *,
        interval: float = REPORT_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._owners = {owner: _Owner() for owner in sorted(owner_ids)}

    async def report(
        self, bot: MessageSender, error: BaseException, about: str, secrets: Iterable[str] = ()
    ) -> int:
        """Tell every owner whose minute is up; how many were told. `about` names what failed
        ("update 7 (chat 1)"); `secrets` are redacted besides those the logs already redact."""
        secrets = tuple(secrets)
        told = 0
        for owner_id, owner in self._owners.items():
            left_out = self._take_turn(owner)
            if left_out is None:
                continue
            text = report_text(error, about, left_out, secrets)
            try:
                await bot.send_message(owner_id, text, parse_mode=ParseMode.HTML)
            except TelegramError as exc:  # Forbidden, BadRequest ("chat not found"), network
                owner.left_out += left_out + 1  # not told: the next report counts this one too
                logger.warning("could not report the error to owner %s: %s", owner_id, exc)
                continue
            told += 1
        return told

    def _take_turn(self, owner: _Owner) -> int | None:
        """None if this owner was told less than `interval` ago (the error is counted instead);
        otherwise how many errors were left out since. Decided before any await, so that two
        errors handled at once cannot both take the turn."""
        now = self._clock()
        if owner.last_report is not None and now - owner.last_report < self.interval:
            owner.left_out += 1
            return None
        owner.last_report = now
        left_out, owner.left_out = owner.left_out, 0
        return left_out


def report_text(error: BaseException, about: str, left_out: int, secrets: Iterable[str]) -> Html:
    """The report: what failed, the exception's type and the end of its traceback, escaped for
    Telegram's HTML and with every secret redacted (before trimming, so none is cut in half)."""
    trace = _tail(_redacted("".join(traceback.format_exception(error)).rstrip(), secrets))
    lines = [
        f"<b>Error</b> while handling {escape(_redacted(about, secrets))}: "
        f"<code>{escape(type(error).__name__)}</code>",
        f"<pre>{escape(trace)}</pre>",
    ]
    if left_out:
        lines.append(f"{left_out} more since the last report (at most one a minute is sent).")
    return Html("\n".join(lines))


def _tail(text: str, room: int = TRACEBACK_ROOM) -> str:
    """The end of a traceback (where the exception is), at most `room` as Telegram counts it
    (UTF-16 code units: an emoji in an exception's message counts 2)."""
    if len(text.encode("utf-16-le")) // 2 <= room:
        return text
    kept: list[str] = []
    size = 1  # the leading …
    for character in reversed(text):
        size += 2 if ord(character) > 0xFFFF else 1
        if size > room:
            break
        kept.append(character)
    return "…" + "".join(reversed(kept))


def _redacted(text: str, secrets: Iterable[str]) -> str:
    text = redact(text)  # whatever configure_logging was told to protect
    for secret in secrets:
        for form in (secret, quote(secret, safe="")):
            if form:
                text = text.replace(form, REDACTED)
    return text


def _describe(update: object) -> str:
    if isinstance(update, Update):
        chat = update.effective_chat
        return f"update {update.update_id} (chat {chat.id if chat else '-'})"
    return "a job" if update is None else type(update).__name__


def build_error_handler(owner_ids: Collection[int]) -> ErrorCallback:
    """The Application's error handler, reporting to these owners (none: nobody is told)."""
    reports = OwnerReports(owner_ids)

    async def report_error(update: object, context: BotContext) -> None:
        error = context.error
        logger.error("error while handling %s", _describe(update), exc_info=error)
        if isinstance(error, Forbidden):  # blocked or removed mid-update: nobody to tell, no bug
            return
        if isinstance(update, Update):
            await _apologise(update, context)
        if error is not None:
            await reports.report(context.bot, error, _describe(update), (context.bot.token,))

    return report_error


async def _apologise(update: Update, context: BotContext) -> None:
    """Something short and kind in the chat's language; a stuck button stops spinning."""
    chat = update.effective_chat
    if chat is None:
        if update.callback_query is not None:
            await _answer_quietly(update, context)
        return
    user = update.effective_user
    client_language = user.language_code if user else None
    if context.bot_data.is_open:  # the chat's own language (/lang), as far as memory knows it
        services = context.services
        translate = services.translate
        language = chats.without_record(services, chat.id, chat.type, client_language).language
    else:  # an error before post_init finished
        translate, language = Translator.load(), language_for(client_language)
    try:
        if update.callback_query is not None:
            await _answer_quietly(update, context)
        await context.bot.send_message(
            chat.id,
            translate(language, "error.generic"),
            message_thread_id=thread_of(update.effective_message),
        )
    except TelegramError as exc:
        logger.warning("could not tell chat %s about the error: %s", chat.id, exc)


async def _answer_quietly(update: Update, context: BotContext) -> None:
    assert update.callback_query is not None
    with contextlib.suppress(TelegramError):
        await update.callback_query.answer()
