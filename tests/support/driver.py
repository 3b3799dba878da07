"""Drive the real Application through the stand-in, one update at a time, and see what it said.
Shared by the tests and the benchmarks."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from telegram import Update

from bot.config import Settings
from bot.i18n import Translator
from bot.scheduler import PushReport, push
from bot.services import Services, utc_now
from content.library import CONTENT_DIR
from entry.application import BotApplication, build_application
from entry.lifecycle import running
from entry.standin import JSON, StoredMessage, TelegramStandIn, parse_telegram_html
from entry.tracking import TrackedApplication
from handlers.flood import FloodGate
from tests.support.clock import Clock
from tests.support.offline import StandInRequest


class BotDriver:
    """A Telegram user's view: say something, press a button, get back what the bot sent."""

    def __init__(self, api: TelegramStandIn, application: TrackedApplication) -> None:
        self.api = api
        self.application = application

    async def say(
        self,
        text: str,
        chat_id: int = 1001,
        user_id: int | None = None,
        thread_id: int | None = None,
    ) -> list[StoredMessage]:
        """Send `text` and return the messages the bot sent to that chat while handling it."""
        before = len(self.api.bot_messages(chat_id))
        update_id = self.api.send_text(text, chat_id=chat_id, user_id=user_id, thread_id=thread_id)
        await self.application.wait_processed(update_id)
        return self.api.bot_messages(chat_id)[before:]

    async def press(
        self,
        message: StoredMessage,
        index: int = 0,
        user_id: int | None = None,
        data: str | None = None,
    ) -> list[StoredMessage]:
        """Tap a button; return the new messages (edits show up on `message` itself)."""
        before = len(self.api.bot_messages(message.chat_id))
        update_id = self.api.press_button(message, index, user_id=user_id, data=data)
        await self.application.wait_processed(update_id)
        return self.api.bot_messages(message.chat_id)[before:]

    async def feed(self, payload: JSON) -> int:
        """Deliver a raw update and wait until it has been handled."""
        update_id = self.api.add_update(payload)
        await self.application.wait_processed(update_id)
        return update_id


@asynccontextmanager
async def driven_bot(
    settings: Settings,
    api: TelegramStandIn,
    clock: Callable[[], datetime] | None = None,
    content_dir: Path = CONTENT_DIR,
    flood_gate: FloodGate | None = None,
    wire: bool = False,
) -> AsyncIterator[BotDriver]:
    """The real Application with the settings' store. `wire`: it long-polls the stand-in and
    calls it over HTTP on 127.0.0.1, as in production; otherwise (the fast tier) it calls the
    stand-in in memory and takes updates straight from it. Flood control is off unless a gate is
    given: tests send faster than any person."""
    application: BotApplication = build_application(
        replace(settings, bot_token=api.token, telegram_base_url=api.base_url),
        application_class=TrackedApplication,
        clock=clock or utc_now,
        content_dir=content_dir,
        flood_gate=flood_gate or FloodGate(burst=10**9),
        updater=wire,
        requests=None if wire else (StandInRequest(api), StandInRequest(api)),
    )
    assert isinstance(application, TrackedApplication)
    if not wire:
        bot = application.bot

        def deliver(payload: JSON) -> None:
            application.update_queue.put_nowait(Update.de_json(payload, bot))

        api.deliver = deliver
    api.hold_polls()
    try:
        async with running(application, poll=wire):
            try:
                yield BotDriver(api, application)
            finally:
                api.release_polls()
    finally:
        api.deliver = None


# --- what several test modules ask of a driven bot ----------------------------------------------


async def one(bot: BotDriver, text: str, chat_id: int = 1001, user_id: int | None = None) -> str:
    """Say something and return the bot's single answer (it fails when there is not one)."""
    [reply] = await bot.say(text, chat_id=chat_id, user_id=user_id)
    return reply.text


def services_of(bot: BotDriver) -> Services:
    return bot.application.bot_data.services


async def run_push(bot: BotDriver, clock: Clock, at: datetime) -> PushReport:
    """One run of the daily push at `at`, the bot's clock moved there first."""
    clock.now = at
    return await push(services_of(bot), bot.application.bot, at, wait=True)


@functools.cache
def _translator() -> Translator:
    return Translator.load()


def said(key: str, language: str = "zh", **values: object) -> str:
    """A catalogue text exactly as a Telegram client shows it (tags gone, entities decoded)."""
    return parse_telegram_html(_translator()(language, key, **values))
