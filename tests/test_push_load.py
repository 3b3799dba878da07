"""The push under load (issue 15): Telegram pushing back with 429s while the rate limiter is on,
paid broadcasts (PAID_BROADCAST), and a chat's command answered while a push is sending."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from bot.scheduler import CONCURRENCY, push
from bot.usecases import owner_tools
from entry.standin import TelegramStandIn
from tests.support.clock import Clock
from tests.support.driver import BotDriver, driven_bot, services_of

NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai
FIRST_CHAT = 300_000
READER = 2002  # a chat reading while the push runs


async def _due_chats(bot: BotDriver, api: TelegramStandIn, count: int) -> list[int]:
    """`count` private chats, each due at NOW."""
    chat_ids = list(range(FIRST_CHAT, FIRST_CHAT + count))
    async with services_of(bot).store.transaction() as repo:
        for chat_id in chat_ids:
            api.chat(chat_id)
            await repo.touch_chat(chat_id, "private", "zh", NOW)
            await repo.add_schedule(chat_id, "09:00", "Asia/Shanghai", NOW)
    return chat_ids


def _briefings(api: TelegramStandIn, chat_id: int) -> list[str]:
    return [m.text for m in api.bot_messages(chat_id) if m.text.startswith("📰")]


async def _without_ticks(bot: BotDriver) -> BotDriver:
    """These tests run the push themselves (a tick on the real clock could run beside them)."""
    job_queue = bot.application.job_queue
    assert job_queue is not None
    for job in job_queue.jobs():
        job.schedule_removal()
    async with services_of(bot).push_lock:  # a catch-up already under way has finished
        pass
    return bot


@pytest.fixture
async def limited(settings: Settings, api: TelegramStandIn) -> AsyncIterator[BotDriver]:
    """The bot with python-telegram-bot's AIORateLimiter on, as in production."""
    async with driven_bot(replace(settings, rate_limit=True), api, Clock(NOW)) as driver:
        yield await _without_ticks(driver)


class FakeTime:
    """The push's monotonic clock and sleep: a wait passes at once and moves the clock on."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def timer(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


async def test_429s_during_a_push_are_waited_out_and_reported(
    limited: BotDriver, api: TelegramStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    chats = await _due_chats(limited, api, 40)
    refused = chats[::8]  # every eighth chat's first send gets 429: retry after 25 s
    for chat_id in refused:
        api.fail(
            "sendMessage", 429, "Too Many Requests: retry after 25",
            parameters={"retry_after": 25}, chat_id=chat_id,
        )  # fmt: skip
    fake = FakeTime()
    with caplog.at_level(logging.INFO, logger="bot.scheduler"):
        report = await push(
            services_of(limited), limited.application.bot, NOW, wait=True,
            timer=fake.timer, sleep=fake.sleep,
        )  # fmt: skip
    # Every chat got its briefing once, the refused ones after waiting what Telegram asked.
    assert all(len(_briefings(api, chat_id)) == 1 for chat_id in chats)
    assert report.outcomes == {"sent": len(chats)}
    answered_429 = [c for c in api.calls_of("sendMessage") if c.status == 429]
    assert len(answered_429) == len(refused)
    assert fake.sleeps
    assert all(0 < s <= 25 for s in fake.sleeps)
    assert fake.now - 1000.0 >= 25  # the push held still at least one retry_after
    # The log: a line a minute while it ran (the fake clock passed a minute in 429 waits) and
    # one at the end, with the rate and the outcome counts.
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.scheduler"]
    running = [line for line in lines if line.startswith("push running")]
    done = [line for line in lines if line.startswith("push done")]
    assert running
    assert len(done) == 1
    assert f"{len(chats)} sent" in done[0]
    assert "msg/s" in done[0]
    assert f"Telegram asked to wait {len(refused)} times" in done[0]
    assert "'sent': 40" in done[0]


async def test_paid_broadcast_flags_every_send_of_the_push_and_nothing_else(
    settings: Settings, api: TelegramStandIn
) -> None:
    paid = replace(settings, paid_broadcast=True)
    async with driven_bot(paid, api, Clock(NOW - timedelta(hours=2))) as driver:
        bot = await _without_ticks(driver)
        await bot.say("/start", chat_id=1001)
        await bot.say("/start", chat_id=READER)
        services = services_of(bot)
        draft = await owner_tools.draft_broadcast(services, "A word from the owner", 42)
        assert draft is not None
        assert await owner_tools.confirm_broadcast(services, draft.id) is not None
        before = len(api.calls_of("sendMessage"))
        await push(services, bot.application.bot, NOW, wait=True)
        pushed = api.calls_of("sendMessage")[before:]
        await bot.say("/section 4", chat_id=READER)
        after = api.calls_of("sendMessage")[before + len(pushed) :]

    assert len(pushed) == 4  # a briefing and the broadcast to each of the two chats
    assert all(call.params.get("allow_paid_broadcast") is True for call in pushed)
    answers = api.calls_of("sendMessage")[:before] + after
    assert answers
    assert not any("allow_paid_broadcast" in call.params for call in answers)


async def test_paid_broadcast_is_off_by_default(bot: BotDriver, api: TelegramStandIn) -> None:
    await _without_ticks(bot)
    chats = await _due_chats(bot, api, 3)
    await push(services_of(bot), bot.application.bot, NOW, wait=True)
    sends = api.calls_of("sendMessage")
    assert {call.params.get("chat_id") for call in sends} == set(chats)
    assert not any("allow_paid_broadcast" in call.params for call in sends)


async def test_a_chat_is_answered_while_a_push_is_sending(
    bot: BotDriver, api: TelegramStandIn
) -> None:
    """The push gives the event loop and the store back between its steps (claims of a few rows,
    outcomes marked in batches, a turn every few dozen chats while choosing): a command that
    comes in mid-push is answered after a few of the push's sends, not after the push."""
    await _without_ticks(bot)
    await bot.say("/start", chat_id=READER)  # a known chat: answers need no transaction
    chats = await _due_chats(bot, api, 300)
    api.fail("sendMessage", 200, delay=0.005, times=10**9)  # Telegram takes 5 ms a send
    services = services_of(bot)
    pushing = asyncio.create_task(push(services, bot.application.bot, NOW, wait=True))
    await api.wait_for(lambda: len(api.calls_of("sendMessage")) >= 50, timeout=30)

    def push_sends() -> int:
        return sum(1 for c in api.calls_of("sendMessage") if c.params.get("chat_id") != READER)

    sends_before = push_sends()
    asked = time.perf_counter()
    [card] = await bot.say("/section 4", chat_id=READER)
    waited = time.perf_counter() - asked
    sends_meanwhile = push_sends() - sends_before
    report = await pushing
    assert card.text.startswith("四、")
    assert report.outcomes == {"sent": len(chats)}
    assert push_sends() - sends_before - sends_meanwhile > 100  # the push was far from done
    # Answered within a few rounds of the push's sends in flight, well under a second.
    print(f"\nanswered after {waited * 1000:.0f} ms, {sends_meanwhile} push sends meanwhile")
    assert sends_meanwhile <= 4 * CONCURRENCY, sends_meanwhile
    assert waited < 1.0
