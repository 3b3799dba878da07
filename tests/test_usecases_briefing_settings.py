"""The briefing-settings usecases called directly: no HTTP, no Telegram, a real store on a
temporary SQLite file and a clock the test moves. What is checked is what a reader notices: when
the next briefing comes, what a bad time or zone answers, pausing and resuming, /today."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.config import Settings
from bot.services import Services
from bot.store.repository import KEYWORD, TOPIC
from bot.usecases import briefing_settings, chats
from bot.usecases.briefing_settings import Followed, Outcome
from tests.support.clock import Clock
from tests.support.services import opened_services

PRIVATE, GROUP = 1001, -100777
SHANGHAI_NINE = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai


@pytest.fixture
def clock() -> Clock:
    return Clock(SHANGHAI_NINE - timedelta(hours=12))


@pytest.fixture
async def services(
    settings: Settings, bot_database_url: str, clock: Clock
) -> AsyncIterator[Services]:
    """As entry/application.py's post_init builds them, on a throwaway database."""
    async with opened_services(settings, bot_database_url, clock) as services:
        yield services


@pytest.fixture
async def chat(services: Services) -> int:
    await chats.resolve(services, PRIVATE, "private", "en")
    return PRIVATE


def utc(moment: datetime | None) -> datetime:
    assert moment is not None
    return moment.astimezone(UTC)


async def test_a_new_chat_gets_nine_oclock_in_shanghai(services: Services, chat: int) -> None:
    view = await briefing_settings.settings_view(services, chat, "en")
    assert (view.time, view.timezone, view.paused, view.followed) == (
        "09:00",
        "Asia/Shanghai",
        False,
        (),
    )
    assert view.next_local is not None
    assert view.next_local.strftime("%Y-%m-%d %H:%M") == "2026-11-25 09:00"  # in Shanghai
    assert utc(view.next_local) == SHANGHAI_NINE


async def test_settime_moves_the_next_briefing(services: Services, chat: int) -> None:
    change = await briefing_settings.set_time(services, chat, "7:30", None)
    assert (change.outcome, change.time, change.timezone) == (
        Outcome.TIME_SET,
        "07:30",
        "Asia/Shanghai",
    )
    assert utc(change.next_local) == datetime(2026, 11, 24, 23, 30, tzinfo=UTC)
    view = await briefing_settings.settings_view(services, chat, "en")
    assert (view.time, view.next_local) == ("07:30", change.next_local)


async def test_a_time_already_past_today_comes_tomorrow(
    services: Services, chat: int, clock: Clock
) -> None:
    clock.now = SHANGHAI_NINE  # 09:00 in Shanghai: 09:00 itself is already gone
    change = await briefing_settings.set_time(services, chat, "0900", None)
    assert utc(change.next_local) == SHANGHAI_NINE + timedelta(days=1)


async def test_settime_follows_daylight_saving(services: Services, chat: int, clock: Clock) -> None:
    clock.now = datetime(2026, 3, 27, 12, tzinfo=UTC)
    zone = await briefing_settings.set_timezone(services, chat, "europe/berlin", None)
    assert (zone.outcome, zone.timezone) == (Outcome.TIMEZONE_SET, "Europe/Berlin")
    change = await briefing_settings.set_time(services, chat, "08:00", None)
    assert utc(change.next_local) == datetime(2026, 3, 28, 7, tzinfo=UTC)  # CET, UTC+1
    clock.now = datetime(2026, 3, 28, 8, tzinfo=UTC)  # the clocks go forward that night
    change = await briefing_settings.set_time(services, chat, "08:00", None)
    assert utc(change.next_local) == datetime(2026, 3, 29, 6, tzinfo=UTC)  # CEST, UTC+2
    assert change.next_local is not None
    assert change.next_local.strftime("%H:%M") == "08:00"


@pytest.mark.parametrize("typed", ["", "25:00", "8:61", "soon", "8 30 pm"])
async def test_a_time_we_cannot_read_gives_the_usage_and_changes_nothing(
    services: Services, chat: int, typed: str
) -> None:
    before = await briefing_settings.settings_view(services, chat, "en")
    change = await briefing_settings.set_time(services, chat, typed, None)
    assert (change.outcome, change.time, change.timezone) == (
        Outcome.TIME_USAGE,
        "09:00",
        "Asia/Shanghai",
    )
    assert await briefing_settings.settings_view(services, chat, "en") == before


async def test_timezone_usage_unknown_zone_and_offsets(services: Services, chat: int) -> None:
    before = await briefing_settings.settings_view(services, chat, "en")
    usage = await briefing_settings.set_timezone(services, chat, "", None)
    assert (usage.outcome, usage.timezone) == (Outcome.TIMEZONE_USAGE, "Asia/Shanghai")
    unknown = await briefing_settings.set_timezone(services, chat, "Mars/Olympus", None)
    assert (unknown.outcome, unknown.timezone) == (Outcome.UNKNOWN_ZONE, "Asia/Shanghai")
    assert await briefing_settings.settings_view(services, chat, "en") == before
    offset = await briefing_settings.set_timezone(services, chat, "UTC+9", None)
    assert (offset.outcome, offset.timezone, offset.time) == (
        Outcome.TIMEZONE_SET,
        "UTC+09:00",
        "09:00",
    )
    # The local time is kept in the new zone: 09:00 at UTC+9 is midnight UTC.
    assert utc(offset.next_local) == datetime(2026, 11, 25, 0, tzinfo=UTC)


async def test_pause_and_resume(services: Services, chat: int, clock: Clock) -> None:
    paused = await briefing_settings.pause(services, chat, None)
    assert (paused.outcome, paused.next_local) == (Outcome.PAUSED, None)
    again = await briefing_settings.pause(services, chat, None)
    assert again.outcome == Outcome.ALREADY_PAUSED
    view = await briefing_settings.settings_view(services, chat, "en")
    assert (view.paused, view.next_local) == (True, None)
    # Back three days later: the next briefing is the next 09:00, not the ones missed.
    clock.now = SHANGHAI_NINE + timedelta(days=3, hours=1)
    resumed = await briefing_settings.resume(services, chat, None)
    assert (resumed.outcome, resumed.time, resumed.timezone) == (
        Outcome.RESUMED,
        "09:00",
        "Asia/Shanghai",
    )
    assert utc(resumed.next_local) == SHANGHAI_NINE + timedelta(days=4)
    active = await briefing_settings.resume(services, chat, None)
    assert (active.outcome, active.next_local) == (Outcome.ALREADY_ACTIVE, resumed.next_local)
    assert not (await briefing_settings.settings_view(services, chat, "en")).paused


async def test_settings_name_what_the_chat_follows(
    services: Services, chat: int, clock: Clock
) -> None:
    async with services.store.transaction() as repo:
        await repo.subscribe(chat, TOPIC, "hague", "Hague Agreement", clock.now)
        await repo.subscribe(chat, KEYWORD, "专利", "专利", clock.now + timedelta(seconds=1))
    english = await briefing_settings.settings_view(services, chat, "en")
    assert english.followed == (Followed("Hague Agreement", topic=True), Followed("专利", False))
    chinese = await briefing_settings.settings_view(services, chat, "zh")
    assert chinese.followed[0] == Followed("海牙协定", topic=True)


async def test_today_twice_gives_the_same_picks(
    services: Services, chat: int, clock: Clock
) -> None:
    clock.now = SHANGHAI_NINE - timedelta(hours=8)  # 01:00 on the 25th in Shanghai
    first = await briefing_settings.today(services, chat)
    assert first.day == date(2026, 11, 25)
    assert first.title
    assert first.picks
    clock.now = SHANGHAI_NINE + timedelta(hours=5)
    assert await briefing_settings.today(services, chat) == first
    # The next local day: a new briefing, the rotation moved on.
    clock.now = SHANGHAI_NINE + timedelta(days=1)
    tomorrow = await briefing_settings.today(services, chat)
    assert tomorrow.day == date(2026, 11, 26)
    assert {p.passage for p in tomorrow.picks}.isdisjoint(p.passage for p in first.picks)


async def test_a_groups_briefing_follows_the_forum_topic_of_its_last_change(
    services: Services,
) -> None:
    await chats.resolve(services, GROUP, "supergroup", None)
    await briefing_settings.set_time(services, GROUP, "08:00", 42)
    assert await thread_of(services, GROUP) == 42
    await briefing_settings.pause(services, GROUP, None)  # from General
    assert await thread_of(services, GROUP) is None


async def test_a_private_chat_keeps_no_topic(services: Services, chat: int) -> None:
    await briefing_settings.set_time(services, chat, "08:00", 42)
    assert await thread_of(services, chat) is None


async def thread_of(services: Services, chat_id: int) -> int | None:
    async with services.store.transaction() as repo:
        schedule = await repo.schedule(chat_id)
        assert schedule is not None
        return schedule.thread_id
