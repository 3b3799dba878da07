"""The owner's tools called directly: no HTTP, no Telegram, a real store on a temporary SQLite file
and a fixed clock. /stats on an empty and on a populated store, a broadcast drafted, confirmed once
(never twice) or cancelled, its progress; and the error reports to the owners: at most one a minute
each, the ones left out counted, the bot token never in them, an undeliverable one only logged."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from telegram.error import BadRequest, Forbidden

from bot.config import Settings
from bot.logs import REDACTED
from bot.services import Services
from bot.store.repository import FAILED, GAVE_UP, KEYWORD, SENT, TOPIC
from bot.usecases import owner_tools
from bot.usecases.owner_tools import BroadcastProgress
from handlers.errors import TRACEBACK_ROOM, OwnerReports, report_text
from tests.support.services import opened_services

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai: today is 2026-03-10
TODAY = date(2026, 3, 10)
OWNER = 42
TOKEN = "123456:TEST-secret-token-abcdefghijklmnop"


@pytest.fixture
async def services(settings: Settings, bot_database_url: str) -> AsyncIterator[Services]:
    """As entry/application.py's post_init builds them, on a throwaway database."""
    owned = replace(settings, bot_token=TOKEN, owner_ids=frozenset({OWNER}))
    started = NOW - timedelta(hours=2, minutes=3, seconds=4.5)
    async with opened_services(owned, bot_database_url, lambda: NOW, started=started) as services:
        yield services


async def _chat(services: Services, chat_id: int, kind: str, active: bool = True) -> None:
    async with services.store.transaction() as repo:
        await repo.touch_chat(chat_id, kind, "zh", NOW - timedelta(days=3))
        if not active:
            await repo.set_chat_active(chat_id, False)


# --- /stats -------------------------------------------------------------------------------------


async def test_stats_of_an_empty_store(services: Services) -> None:
    stats = await owner_tools.stats(services, "zh")
    assert (stats.private_chats, stats.group_chats, stats.active_chats) == (0, 0, 0)
    assert stats.inactive_chats == 0
    assert stats.today == TODAY
    assert stats.briefings_today == {}
    assert stats.failures == {}
    assert stats.topics == ()
    assert stats.keyword_subscriptions == 0
    assert stats.uptime == timedelta(hours=2, minutes=3, seconds=4)  # whole seconds
    assert stats.content_version == services.library.content_hash
    assert len(stats.chart_days) == owner_tools.CHART_DAYS
    assert (stats.chart_days[0], stats.chart_days[-1]) == (TODAY - timedelta(days=29), TODAY)
    assert stats.sent_per_day == (0,) * owner_tools.CHART_DAYS
    assert stats.subscribers_per_day == (0,) * owner_tools.CHART_DAYS


async def test_stats_of_a_populated_store(services: Services) -> None:
    await _chat(services, 1, "private")
    await _chat(services, 2, "private")
    await _chat(services, 3, "private", active=False)
    await _chat(services, -100, "supergroup")
    first, second = services.library.catalog.topics[:2]
    async with services.store.transaction() as repo:
        followers = ((1, first.slug, 5), (2, first.slug, 1), (-100, second.slug, 1))
        for chat_id, slug, days_ago in followers:
            await repo.subscribe(chat_id, TOPIC, slug, slug, NOW - timedelta(days=days_ago))
        await repo.subscribe(1, KEYWORD, "专利", "专利", NOW)
        await repo.subscribe(1, TOPIC, "gone-topic", "gone", NOW - timedelta(days=1))
        for chat_id, day, status in (
            (1, TODAY, SENT), (2, TODAY, SENT), (-100, TODAY, FAILED),
            (1, TODAY - timedelta(days=1), SENT), (2, TODAY - timedelta(days=40), SENT),
            (3, TODAY - timedelta(days=1), GAVE_UP),
        ):  # fmt: skip
            row = await repo.reserve_delivery(chat_id, day, NOW)
            assert row is not None
            await repo.finish_delivery(row.id, status, NOW - (TODAY - day))
    stats = await owner_tools.stats(services, "en")
    assert (stats.private_chats, stats.group_chats) == (3, 1)
    assert (stats.active_chats, stats.inactive_chats) == (3, 1)
    assert stats.briefings_today == {SENT: 2, FAILED: 1}
    assert stats.failures == {FAILED: 1, GAVE_UP: 1}
    assert stats.topics[0] == owner_tools.TopicFollowing(first.en, 2)  # most followed first
    assert set(stats.topics[1:]) == {
        owner_tools.TopicFollowing(second.en, 1),
        owner_tools.TopicFollowing("gone-topic", 1),  # no longer in content/: by its slug
    }
    assert (await owner_tools.stats(services, "zh")).topics[0].name == first.zh
    assert stats.keyword_subscriptions == 1
    assert stats.sent_per_day[-2:] == (1, 2)  # yesterday, today
    assert sum(stats.sent_per_day) == 3  # 40 days ago is off the chart
    # Chats following something, by the end of each day: chat 1 from 5 days ago, 2 and -100
    # from yesterday.
    assert stats.subscribers_per_day[-7:] == (0, 1, 1, 1, 1, 3, 3)


# --- /broadcast ---------------------------------------------------------------------------------


async def test_a_blank_broadcast_is_no_draft(services: Services) -> None:
    assert await owner_tools.draft_broadcast(services, " \n ", OWNER) is None


async def test_a_broadcast_is_confirmed_once(services: Services) -> None:
    for chat_id in (1, 2, -100):
        await _chat(services, chat_id, "private" if chat_id > 0 else "group")
    await _chat(services, 3, "private", active=False)
    draft = await owner_tools.draft_broadcast(services, "hello", OWNER)
    assert draft is not None
    assert draft.audience == 3
    queued = await owner_tools.confirm_broadcast(services, draft.id)
    assert queued == owner_tools.QueuedBroadcast(draft.id, NOW.date(), 3)
    assert await owner_tools.confirm_broadcast(services, draft.id) is None  # a second tap
    assert await owner_tools.cancel_broadcast(services, draft.id) is False  # too late
    progress = await owner_tools.broadcast_progress(services, queued)
    assert progress == BroadcastProgress(sent=0, failed=0, remaining=3)
    async with services.store.transaction() as repo:
        kind = f"broadcast:{draft.id}"
        for chat_id, status in ((1, SENT), (2, GAVE_UP)):
            row = await repo.delivery(chat_id, NOW.date(), kind)
            assert row is not None
            assert row.payload == {"broadcast": draft.id}  # the text is kept once, in broadcasts
            await repo.finish_delivery(row.id, status, NOW)
    progress = await owner_tools.broadcast_progress(services, queued)
    assert progress == BroadcastProgress(sent=1, failed=1, remaining=1)


async def test_a_cancelled_broadcast_cannot_be_sent(services: Services) -> None:
    await _chat(services, 1, "private")
    draft = await owner_tools.draft_broadcast(services, "hello", OWNER)
    assert draft is not None
    assert await owner_tools.cancel_broadcast(services, draft.id) is True
    assert await owner_tools.cancel_broadcast(services, draft.id) is False
    assert await owner_tools.confirm_broadcast(services, draft.id) is None
    assert await owner_tools.confirm_broadcast(services, 999) is None
    assert await owner_tools.cancel_broadcast(services, 999) is False
    async with services.store.transaction() as repo:
        assert await repo.delivery(1, NOW.date(), f"broadcast:{draft.id}") is None


# --- error reports ------------------------------------------------------------------------------


class FakeBot:
    """Records what would have been sent; refuses the chats in `refusing`."""

    def __init__(self, refusing: dict[int, Exception] | None = None) -> None:
        self.sent: list[tuple[int, str, str]] = []
        self.refusing = refusing or {}

    async def send_message(self, chat_id: int, text: str, *, parse_mode: str) -> object:
        if chat_id in self.refusing:
            raise self.refusing[chat_id]
        self.sent.append((chat_id, text, parse_mode))
        return object()


class Ticks:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def _failure(message: str) -> RuntimeError:
    try:
        raise RuntimeError(message)
    except RuntimeError as error:
        return error


async def test_reports_are_rate_limited_per_owner_and_count_what_was_left_out() -> None:
    ticks, bot = Ticks(), FakeBot()
    reports = OwnerReports({OWNER, 7}, clock=ticks)
    assert await reports.report(bot, _failure("first"), "update 1 (chat 5)") == 2
    assert [chat for chat, _, _ in bot.sent] == [7, OWNER]
    _, text, parse_mode = bot.sent[0]
    assert parse_mode == "HTML"
    assert text.startswith("<b>Error</b> while handling update 1 (chat 5): <code>RuntimeError")
    assert "<pre>Traceback" in text
    assert "RuntimeError: first</pre>" in text
    assert "more since the last report" not in text
    for _ in range(3):
        ticks.now += 10
        assert await reports.report(bot, _failure("again"), "update 2 (chat 5)") == 0
    assert len(bot.sent) == 2
    ticks.now += 31  # a minute after the first
    assert await reports.report(bot, _failure("later"), "a job") == 2
    assert all("3 more since the last report" in text for _, text, _ in bot.sent[2:])
    ticks.now += 60
    await reports.report(bot, _failure("quiet"), "a job")
    assert "more since the last report" not in bot.sent[-1][1]


async def test_a_report_never_holds_the_token_and_is_escaped() -> None:
    bot = FakeBot()
    error = _failure(
        f"failed on https://x/bot{TOKEN}/sendMessage <b> & {TOKEN.replace(':', '%3A')}"
    )
    await OwnerReports({OWNER}).report(bot, error, f"update 3 <{TOKEN}>", secrets=[TOKEN])
    [(_, text, _)] = bot.sent
    assert TOKEN not in text
    assert "TEST-secret" not in text
    assert text.count(REDACTED) >= 3
    assert "&lt;b&gt; &amp;" in text


def test_a_long_traceback_keeps_its_end() -> None:
    error = _failure("x" * 10_000 + "👍" * 2_000 + " the end")
    text = report_text(error, "a job", 0, [])
    trace = text.split("<pre>", 1)[1].split("</pre>", 1)[0]
    assert trace.startswith("…")
    assert trace.endswith("👍 the end")
    assert len(trace.encode("utf-16-le")) // 2 <= TRACEBACK_ROOM


async def test_an_undeliverable_report_is_logged_and_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ticks = Ticks()
    never_opened = Forbidden("bot can't initiate conversation with a user")
    bot = FakeBot({OWNER: never_opened, 7: BadRequest("chat not found")})
    reports = OwnerReports({OWNER, 7}, clock=ticks)
    with caplog.at_level(logging.WARNING):
        assert await reports.report(bot, _failure("boom"), "a job") == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert all("could not report" in w for w in warnings)
    bot.refusing.clear()
    ticks.now += 60
    assert await reports.report(bot, _failure("boom"), "a job") == 2
    assert all("1 more since the last report" in text for _, text, _ in bot.sent)


async def test_no_owners_no_reports() -> None:
    bot = FakeBot()
    assert await OwnerReports(frozenset()).report(bot, _failure("boom"), "a job") == 0
    assert bot.sent == []
