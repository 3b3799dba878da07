"""The briefing's choices at the application layer: no Telegram, a real store and a clock the test
moves. A briefing not yet sent is chosen again after a change of follows or /items, from the
reading state it was chosen from; one already claimed is not. At most one briefing in any 20
hours, checked when the push plans and again when it claims. /quiet, /items, /days, and the
answers /settime and /timezone give."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.config import Settings
from bot.scheduler import plan_for, push
from bot.services import Services
from bot.store.repository import GAVE_UP, PLANNED, QUEUED, SENDING, SENT
from bot.usecases import briefing_settings, chats, subscriptions
from bot.usecases.briefing_settings import Outcome
from tests.support.clock import Clock
from tests.support.services import opened_services

BACKENDS = ("sqlite", "postgresql")
PRIVATE, OTHER = 1001, 1002
SHANGHAI_NINE = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai, a Wednesday


@pytest.fixture
def clock() -> Clock:
    return Clock(SHANGHAI_NINE - timedelta(hours=2))


@pytest.fixture
async def services(
    settings: Settings, bot_database_url: str, clock: Clock
) -> AsyncIterator[Services]:
    async with opened_services(settings, bot_database_url, clock) as services:
        yield services


@pytest.fixture
async def chat(services: Services) -> int:
    await chats.resolve(services, PRIVATE, "private", "zh-hans")
    return PRIVATE


class FakeBot:
    """What the push needs of a Bot: sendMessage (through do_api_request), remembered."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, dict[str, Any]]] = []

    async def do_api_request(self, endpoint: str, parameters: dict[str, Any]) -> dict[str, int]:
        self.sent.append((parameters["chat_id"], parameters))
        return {"message_id": len(self.sent)}


async def follow(services: Services, chat_id: int, text: str) -> None:
    names = subscriptions.names_in(services, text)
    await subscriptions.subscribe(services, chat_id, "zh", names)


async def picks(services: Services, chat_id: int) -> list[str]:
    return [pick.passage for pick in (await briefing_settings.today(services, chat_id)).picks]


async def state_of(services: Services, chat_id: int) -> tuple[list[str], dict[str, Any], int]:
    """The stored state with the work plan's keys as "S.O" (the store qualifies every key with
    its document's slug since issue 14)."""
    async with services.store.transaction() as repo:
        row = (await repo.reading_states([chat_id], services.library.primary.slug))[chat_id]
        local = services.index.from_stored
        cursors = {
            key: [c[0], None if c[1] is None else local(c[1])] for key, c in row.cursors.items()
        }
        return sorted(local(key) for key in row.received), cursors, row.rotation


async def ledger(services: Services, chat_id: int) -> list[tuple[date, str, list[str]]]:
    async with services.store.transaction() as repo:
        statuses = await repo.briefing_statuses(chat_id, date(2000, 1, 1))
        rows = []
        for day, status in sorted(statuses.items()):
            row = await repo.delivery(chat_id, day)
            assert row is not None
            rows.append((day, status, [p["passage"] for p in row.payload.get("picks", [])]))
        return rows


async def set_status(services: Services, chat_id: int, day: date, status: str) -> None:
    async with services.store.transaction() as repo:
        row = await repo.delivery(chat_id, day)
        assert row is not None
        row.status = status


TODAY = date(2026, 11, 25)


# --- a planned briefing follows later choices -------------------------------------------------


async def test_a_queued_briefing_is_chosen_again_as_if_planned_after_the_change(
    services: Services, chat: int
) -> None:
    await follow(services, chat, "海牙")
    assert await picks(services, chat) == ["4.7"]
    await set_status(services, chat, TODAY, QUEUED)  # due: the push is about to send it
    await follow(services, chat, "地理标志")
    assert await ledger(services, chat) == [(TODAY, QUEUED, ["4.7", "3.2"])]  # follows' order
    # Exactly what a chat that followed both from the start would have, reading state included.
    await chats.resolve(services, OTHER, "private", "zh-hans")
    await follow(services, OTHER, "海牙 地理标志")
    assert await picks(services, OTHER) == ["4.7", "3.2"]
    assert await state_of(services, chat) == await state_of(services, OTHER)


@pytest.mark.parametrize("status", [SENDING, SENT])
async def test_a_claimed_or_sent_briefing_is_left_as_it_is(
    services: Services, chat: int, status: str
) -> None:
    await follow(services, chat, "海牙")
    await picks(services, chat)
    before = await state_of(services, chat)
    await set_status(services, chat, TODAY, status)
    await follow(services, chat, "地理标志")
    assert await ledger(services, chat) == [(TODAY, status, ["4.7"])]
    assert await state_of(services, chat) == before


async def test_unsubscribe_all_and_by_name_choose_again(services: Services, chat: int) -> None:
    await follow(services, chat, "海牙 地理标志")
    assert await picks(services, chat) == ["4.7", "3.2"]
    await subscriptions.unsubscribe(services, chat, "zh", "地理标志")
    assert await picks(services, chat) == ["4.7"]
    await subscriptions.unsubscribe(services, chat, "zh", "all")
    assert await picks(services, chat) == ["0.1"]
    assert (await state_of(services, chat))[0] == ["0.1"]


async def test_the_topics_toggle_and_the_deep_link_choose_again(
    services: Services, chat: int
) -> None:
    assert await picks(services, chat) == ["0.1"]
    await subscriptions.confirm_topic(services, chat, "zh", "hague")
    assert await picks(services, chat) == ["4.7"]
    await subscriptions.toggle_topic(services, chat, "zh", "gi")
    assert await picks(services, chat) == ["4.7", "3.2"]
    await subscriptions.toggle_topic(services, chat, "zh", "hague")
    assert await picks(services, chat) == ["3.2"]
    assert (await state_of(services, chat))[0] == ["3.2"]


async def test_items_chooses_again_and_usage_and_refusals_change_nothing(
    services: Services, chat: int
) -> None:
    await follow(services, chat, "海牙 地理标志 商标 开放许可")
    assert len(await picks(services, chat)) == 3
    usage = await briefing_settings.set_items(services, chat, "", None)
    assert (usage.outcome, usage.items) == (Outcome.ITEMS_USAGE, 3)
    for bad in ("0", "11", "many", "2.5"):
        refused = await briefing_settings.set_items(services, chat, bad, None)
        assert (refused.outcome, refused.items) == (Outcome.ITEMS_INVALID, 3), bad
    changed = await briefing_settings.set_items(services, chat, "１０", None)
    assert (changed.outcome, changed.items) == (Outcome.ITEMS_SET, 10)
    # At most ⌈10/3⌉ = 4 from one follow, taking turns: Hague has only two.
    assert await picks(services, chat) == [
        "4.7", "3.2", "3.4", "5.4", "7.1", "3.15", "3.8", "4.9", "4.2", "5.11",
    ]  # fmt: skip
    view = await briefing_settings.settings_view(services, chat, "zh")
    assert view.items == 10


async def test_a_day_gone_by_and_rows_of_older_versions_are_left_alone(
    services: Services, chat: int, clock: Clock
) -> None:
    await follow(services, chat, "海牙")
    await picks(services, chat)
    async with services.store.transaction() as repo:  # planned by a version that kept no undo
        row = await repo.delivery(chat, TODAY)
        assert row is not None
        row.payload = {key: value for key, value in row.payload.items() if key != "undo"}
    await follow(services, chat, "地理标志")
    assert await ledger(services, chat) == [(TODAY, PLANNED, ["4.7"])]
    clock.now += timedelta(days=1)  # the 25th is over; its planned row will never be sent
    await picks(services, chat)
    await set_status(services, chat, TODAY + timedelta(days=1), SENT)
    await subscriptions.unsubscribe(services, chat, "zh", "海牙")
    assert [status for _day, status, _picks in await ledger(services, chat)] == [PLANNED, SENT]


# --- at most one briefing in any 20 hours -------------------------------------------------------


async def test_the_push_skips_an_occurrence_less_than_20_hours_after_the_last(
    services: Services, chat: int, clock: Clock
) -> None:
    bot = FakeBot()
    clock.now = SHANGHAI_NINE
    assert (await push(services, bot, SHANGHAI_NINE, wait=True)).sent == 1  # type: ignore[arg-type]
    # The zone and time change as an older version stored them, the next one due an hour later
    # on New York's 24th.
    async with services.store.transaction() as repo:
        schedule = await repo.schedule(chat)
        assert schedule is not None
        schedule.timezone, schedule.briefing_time = "America/New_York", "21:00"
        schedule.next_due_at = SHANGHAI_NINE + timedelta(hours=1)
    clock.now = SHANGHAI_NINE + timedelta(hours=1)
    report = await push(services, bot, clock.now, wait=True)  # type: ignore[arg-type]
    assert (report.planned, report.sent, len(bot.sent)) == (1, 0, 1)
    view = await briefing_settings.settings_view(services, chat, "zh")
    assert view.next_local is not None
    assert view.next_local.strftime("%Y-%m-%d %H:%M") == "2026-11-26 21:00"
    assert [day for day, _status, _picks in await ledger(services, chat)] == [TODAY]


async def test_a_sender_gives_up_a_second_briefing_within_20_hours(
    services: Services, chat: int, clock: Clock
) -> None:
    bot = FakeBot()
    clock.now = SHANGHAI_NINE
    await push(services, bot, SHANGHAI_NINE, wait=True)  # type: ignore[arg-type]
    async with services.store.transaction() as repo:  # queued by some other way meanwhile
        row = await repo.reserve_delivery(chat, date(2026, 11, 24), clock.now)
        assert row is not None
        row.status, row.payload = QUEUED, {"document": "x", "picks": []}
    clock.now = SHANGHAI_NINE + timedelta(minutes=5)
    report = await push(services, bot, clock.now, wait=True)  # type: ignore[arg-type]
    assert report.sent == 0
    assert len(bot.sent) == 1
    assert [status for _day, status, _picks in await ledger(services, chat)] == [GAVE_UP, SENT]


async def test_a_failed_briefing_of_a_day_gone_by_does_not_hold_back_today(
    services: Services, chat: int, clock: Clock
) -> None:
    bot = FakeBot()
    async with services.store.transaction() as repo:  # yesterday's failed late in the evening
        row = await repo.reserve_delivery(chat, date(2026, 11, 24), SHANGHAI_NINE)
        assert row is not None
        row.status, row.attempts = "failed", 3
        row.updated_at = SHANGHAI_NINE - timedelta(hours=9)
    clock.now = SHANGHAI_NINE
    assert (await push(services, bot, SHANGHAI_NINE, wait=True)).sent == 1  # type: ignore[arg-type]


async def test_today_after_the_date_stepped_back_is_the_one_sent(
    services: Services, chat: int, clock: Clock
) -> None:
    await follow(services, chat, "海牙")
    clock.now = SHANGHAI_NINE
    await push(services, FakeBot(), SHANGHAI_NINE, wait=True)  # type: ignore[arg-type]
    clock.now = SHANGHAI_NINE + timedelta(minutes=30)
    await briefing_settings.set_timezone(services, chat, "America/New_York", None)
    briefing = await briefing_settings.today(services, chat)
    assert (briefing.day, [p.passage for p in briefing.picks]) == (TODAY, ["4.7"])
    async with services.store.transaction() as repo:
        schedule = await repo.schedule(chat)
        assert schedule is not None
        planned = await plan_for(repo, services, chat, schedule.timezone, clock.now)
    assert planned.local_date == TODAY
    assert [day for day, _status, _picks in await ledger(services, chat)] == [TODAY]


# --- /quiet, /days, /settime, /timezone ----------------------------------------------------------


async def test_quiet_on_and_off(services: Services, chat: int, clock: Clock) -> None:
    for word, quiet in (("on", True), ("OFF", False), ("开", True), ("关闭", False)):
        change = await briefing_settings.set_quiet(services, chat, word, None)
        assert (change.outcome, change.quiet) == (Outcome.QUIET_SET, quiet), word
    await briefing_settings.set_quiet(services, chat, "on", None)
    for word in ("", "loud", "maybe"):
        change = await briefing_settings.set_quiet(services, chat, word, None)
        assert (change.outcome, change.quiet) == (Outcome.QUIET_USAGE, True)
    bot = FakeBot()
    clock.now = SHANGHAI_NINE
    await push(services, bot, SHANGHAI_NINE, wait=True)  # type: ignore[arg-type]
    assert bot.sent[0][1]["disable_notification"] is True


async def test_days_move_the_next_briefing_to_a_chosen_day(services: Services, chat: int) -> None:
    change = await briefing_settings.set_days(services, chat, "周一,周四", None)
    assert (change.outcome, change.weekdays) == (Outcome.DAYS_SET, 0b1001)
    assert change.next_local is not None
    assert change.next_local.strftime("%a %Y-%m-%d %H:%M") == "Thu 2026-11-26 09:00"
    weekends = await briefing_settings.set_days(services, chat, "weekends", None)
    assert weekends.next_local is not None
    assert weekends.next_local.strftime("%a %d") == "Sat 28"
    for unread in ("someday", "mon,funday", "8"):
        refused = await briefing_settings.set_days(services, chat, unread, None)
        assert (refused.outcome, refused.weekdays) == (Outcome.DAYS_UNKNOWN, 0b1100000)
    usage = await briefing_settings.set_days(services, chat, " ", None)
    assert usage.outcome == Outcome.DAYS_USAGE
    resumed = await briefing_settings.set_days(services, chat, "每天", None)
    assert resumed.next_local is not None
    assert resumed.next_local.strftime("%d %H:%M") == "25 09:00"


async def test_settime_out_of_range_and_timezone_hints(services: Services, chat: int) -> None:
    for typed, out_of_range in (("25:00", True), ("8:61", True), ("soon", False), ("", False)):
        change = await briefing_settings.set_time(services, chat, typed, None)
        assert (change.outcome, change.out_of_range) == (Outcome.TIME_USAGE, out_of_range)
    zone = await briefing_settings.set_timezone(services, chat, "Tokio", None)
    assert zone.outcome == Outcome.UNKNOWN_ZONE
    assert zone.suggestions[0] == "Asia/Tokyo"
    city = await briefing_settings.set_timezone(services, chat, "new york", None)
    assert (city.outcome, city.timezone) == (Outcome.TIMEZONE_SET, "America/New_York")
