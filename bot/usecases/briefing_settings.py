"""The daily briefing as a chat steers it: what /settings shows, /settime, /timezone, /pause,
/resume, /quiet, /items, /days, and /today (the same briefing the push sends, or sent, today).

The rules live here: a time, zone or set of weekdays is parsed with bot/clock.py, every change
that touches the time, the zone, the weekdays or the paused state moves `next_due_at` (the
instant the scheduler's indexed query looks at) so that the push sees it at once, a change of
/items chooses a briefing not yet sent again (bot.scheduler.replan), and a group's briefing goes
to the forum topic where its settings were last changed. Each function opens and closes its own
transaction and returns plain data, so the handler's Telegram calls happen after the store is
released."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from bot.briefing import MAX_ITEMS, MIN_ITEMS, BriefingPayload, Pick
from bot.clock import (
    closest_timezones,
    format_time_of_day,
    parse_time_of_day,
    parse_timezone,
    parse_weekdays,
    time_out_of_range,
    zone,
)
from bot.scheduler import next_due, plan_for, replan
from bot.services import Services
from bot.store import Repository
from bot.store.models import ScheduleRow
from bot.store.repository import TOPIC
from bot.usecases.chats import PRIVATE
from content.numerals import parse_chinese_numeral

# What /quiet takes for on and off (compared after NFKC and lower-casing).
QUIET_ON = frozenset({"on", "yes", "true", "1", "开", "开启", "打开", "是"})
QUIET_OFF = frozenset({"off", "no", "false", "0", "关", "关闭", "否"})


@dataclass(frozen=True)
class Followed:
    """One thing the chat follows, as /settings lists it. `topic` is True for a catalogue topic
    (`name` is then its name in the asked language); anything else (a keyword, or a topic the
    catalogue no longer has) is shown as the words it was subscribed with."""

    name: str
    topic: bool


@dataclass(frozen=True)
class BriefingSettings:
    """What /settings shows. `next_local` is the next briefing in the chat's own zone, None
    while the briefing is paused (there is no next one)."""

    time: str  # "HH:MM", local
    timezone: str  # IANA name or "UTC+05:30"
    paused: bool
    followed: tuple[Followed, ...]
    next_local: datetime | None
    quiet: bool = False  # sent without a sound
    items: int = 3  # passages a briefing, at most
    weekdays: int = 0b1111111  # the local days that get one (bot.clock's mask)


class Outcome(Enum):
    """What a settings change did; each has its own answer."""

    TIME_SET = "time_set"
    TIME_USAGE = "time_usage"  # no time given, or not one we read: nothing changed
    TIMEZONE_SET = "timezone_set"
    TIMEZONE_USAGE = "timezone_usage"  # no zone given: nothing changed
    UNKNOWN_ZONE = "unknown_zone"  # a zone we do not know: nothing changed
    PAUSED = "paused"
    ALREADY_PAUSED = "already_paused"
    RESUMED = "resumed"
    ALREADY_ACTIVE = "already_active"
    QUIET_SET = "quiet_set"  # on or off, as `quiet` says
    QUIET_USAGE = "quiet_usage"  # neither on nor off: nothing changed
    ITEMS_SET = "items_set"
    ITEMS_USAGE = "items_usage"  # no number given: nothing changed
    ITEMS_INVALID = "items_invalid"  # not a number from 1 to 10: nothing changed
    DAYS_SET = "days_set"
    DAYS_USAGE = "days_usage"  # no days given: nothing changed
    DAYS_UNKNOWN = "days_unknown"  # days we cannot read: nothing changed


@dataclass(frozen=True)
class SettingChange:
    """The outcome and the schedule as it is after it (unchanged for the refusals), which is
    what every answer quotes. `next_local` as in BriefingSettings. `out_of_range`: the time
    refused was written as one (25:00) but is none; `suggestions`: IANA names near a zone we do
    not know, nearest first."""

    outcome: Outcome
    time: str
    timezone: str
    next_local: datetime | None
    quiet: bool = False
    items: int = 3
    weekdays: int = 0b1111111
    out_of_range: bool = False
    suggestions: tuple[str, ...] = ()


@dataclass(frozen=True)
class TodaysBriefing:
    """What /today shows: the ledger's picks for the chat's local today, under the document's
    title."""

    title: str
    day: date
    picks: tuple[Pick, ...]


def _next_local(schedule: ScheduleRow) -> datetime | None:
    if schedule.paused:
        return None
    return schedule.next_due_at.astimezone(zone(schedule.timezone))


async def _reschedule(repo: Repository, schedule: ScheduleRow, now: datetime) -> None:
    """Derive `next_due_at` from the local time, zone and weekdays again: the next instant,
    strictly after now, at which the chat's clock reads its time on a day it chose
    (daylight-saving changes included) and the ledger will let a briefing out (not a local date
    that had its briefing already, not within 20 hours of the last one)."""
    schedule.next_due_at = await next_due(repo, schedule, now)


def _change(
    schedule: ScheduleRow,
    outcome: Outcome,
    out_of_range: bool = False,
    suggestions: tuple[str, ...] = (),
) -> SettingChange:
    return SettingChange(
        outcome,
        schedule.briefing_time,
        schedule.timezone,
        _next_local(schedule),
        schedule.quiet,
        schedule.items,
        schedule.weekdays,
        out_of_range,
        suggestions,
    )


async def _schedule(repo: Repository, chat_id: int) -> ScheduleRow:
    schedule = await repo.schedule(chat_id)
    if schedule is None:  # chats.resolve gives every chat one before any handler runs
        raise LookupError(f"chat {chat_id} has no briefing schedule")
    return schedule


async def _steered_from(repo: Repository, schedule: ScheduleRow, thread_id: int | None) -> None:
    """In a group, the briefing goes where its settings were last changed: the forum topic of
    the change, or the general one (None). A private chat has no topics to follow."""
    chat = await repo.chat(schedule.chat_id)
    if chat is not None and chat.kind != PRIVATE:
        schedule.thread_id = thread_id


async def settings_view(services: Services, chat_id: int, language: str) -> BriefingSettings:
    """The chat's briefing settings and what it follows, topics named in `language`."""
    catalog = services.library.catalog
    async with services.store.transaction() as repo:
        schedule = await _schedule(repo, chat_id)
        followed = []
        for subscription in await repo.subscriptions(chat_id):
            topic = catalog.by_slug(subscription.value) if subscription.kind == TOPIC else None
            if topic is not None:
                followed.append(Followed(topic.name(language), topic=True))
            else:
                followed.append(Followed(subscription.label, topic=False))
        return BriefingSettings(
            schedule.briefing_time,
            schedule.timezone,
            schedule.paused,
            tuple(followed),
            _next_local(schedule),
            schedule.quiet,
            schedule.items,
            schedule.weekdays,
        )


async def set_time(
    services: Services, chat_id: int, text: str, thread_id: int | None
) -> SettingChange:
    """/settime: the briefing's local time from what the user typed (`08:30`, `0830`, `８：３０`
    …). Anything unreadable changes nothing and answers with the usage; a time out of range
    (`25:00`) says why as well. `thread_id`: the forum topic the change came from (None outside
    one), kept only for groups."""
    now = services.clock()
    at = parse_time_of_day(text) if text else None
    async with services.store.transaction() as repo:
        schedule = await _schedule(repo, chat_id)
        await _steered_from(repo, schedule, thread_id)
        if at is None:
            return _change(schedule, Outcome.TIME_USAGE, out_of_range=time_out_of_range(text))
        schedule.briefing_time = format_time_of_day(at)
        await _reschedule(repo, schedule, now)
        return _change(schedule, Outcome.TIME_SET)


async def set_timezone(
    services: Services, chat_id: int, text: str, thread_id: int | None
) -> SettingChange:
    """/timezone: an IANA name in any case, a city (`Tokyo`, `北京`), or a fixed offset
    (`UTC+9`). The briefing keeps its local time in the new zone. A name we do not know comes
    back with the closest IANA names. `thread_id` as in set_time."""
    now = services.clock()
    name = parse_timezone(text) if text else None
    async with services.store.transaction() as repo:
        schedule = await _schedule(repo, chat_id)
        await _steered_from(repo, schedule, thread_id)
        if not text:
            return _change(schedule, Outcome.TIMEZONE_USAGE)
        if name is None:
            return _change(schedule, Outcome.UNKNOWN_ZONE, suggestions=closest_timezones(text))
        schedule.timezone = name
        await _reschedule(repo, schedule, now)
        return _change(schedule, Outcome.TIMEZONE_SET)


async def pause(services: Services, chat_id: int, thread_id: int | None) -> SettingChange:
    """/pause: no briefing until /resume; the time, zone and follows are kept."""
    async with services.store.transaction() as repo:
        schedule = await _schedule(repo, chat_id)
        await _steered_from(repo, schedule, thread_id)
        if schedule.paused:
            return _change(schedule, Outcome.ALREADY_PAUSED)
        schedule.paused = True
        return _change(schedule, Outcome.PAUSED)


async def resume(services: Services, chat_id: int, thread_id: int | None) -> SettingChange:
    """/resume: the briefing comes again from its next time after now (days missed while paused
    are not caught up)."""
    now = services.clock()
    async with services.store.transaction() as repo:
        schedule = await _schedule(repo, chat_id)
        await _steered_from(repo, schedule, thread_id)
        if not schedule.paused:
            return _change(schedule, Outcome.ALREADY_ACTIVE)
        schedule.paused = False
        await _reschedule(repo, schedule, now)
        return _change(schedule, Outcome.RESUMED)


def _word(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


async def set_quiet(
    services: Services, chat_id: int, text: str, thread_id: int | None
) -> SettingChange:
    """/quiet on|off: briefings arrive without a sound, or with one. Anything else changes
    nothing and answers with the usage and the current state."""
    word = _word(text)
    async with services.store.transaction() as repo:
        schedule = await _schedule(repo, chat_id)
        await _steered_from(repo, schedule, thread_id)
        if word not in QUIET_ON | QUIET_OFF:
            return _change(schedule, Outcome.QUIET_USAGE)
        schedule.quiet = word in QUIET_ON
        return _change(schedule, Outcome.QUIET_SET)


def parse_items(text: str) -> int | None:
    """`5`, `５`, `五` → 5; None for anything that is not a whole number from 1 to 10."""
    word = _word(text)
    number = int(word) if word.isascii() and word.isdigit() and len(word) <= 3 else None
    if number is None:
        number = parse_chinese_numeral(word)
    return number if number is not None and MIN_ITEMS <= number <= MAX_ITEMS else None


async def set_items(
    services: Services, chat_id: int, text: str, thread_id: int | None
) -> SettingChange:
    """/items N: at most N passages a briefing (1–10). A briefing planned and not yet sent is
    chosen again with the new number."""
    items = parse_items(text) if text.strip() else None
    async with services.store.transaction() as repo:
        schedule = await _schedule(repo, chat_id)
        await _steered_from(repo, schedule, thread_id)
        if not text.strip():
            return _change(schedule, Outcome.ITEMS_USAGE)
        if items is None:
            return _change(schedule, Outcome.ITEMS_INVALID)
        if items != schedule.items:
            schedule.items = items
            await replan(repo, services, chat_id)
        return _change(schedule, Outcome.ITEMS_SET)


async def set_days(
    services: Services, chat_id: int, text: str, thread_id: int | None
) -> SettingChange:
    """/days daily | weekdays | weekends | mon,thu | 一,四 | 周一,周四 …: the local weekdays that
    get a briefing; the next one moves to the next chosen day."""
    now = services.clock()
    weekdays = parse_weekdays(text) if text.strip() else None
    async with services.store.transaction() as repo:
        schedule = await _schedule(repo, chat_id)
        await _steered_from(repo, schedule, thread_id)
        if not text.strip():
            return _change(schedule, Outcome.DAYS_USAGE)
        if weekdays is None:
            return _change(schedule, Outcome.DAYS_UNKNOWN)
        schedule.weekdays = weekdays
        await _reschedule(repo, schedule, now)
        return _change(schedule, Outcome.DAYS_SET)


async def today(services: Services, chat_id: int) -> TodaysBriefing:
    """/today: today's briefing at once, the same one the push sends (or sent) today. The first
    ask of a day chooses the passages into the ledger; asking again, before or after the push,
    returns the same ones, so the rotation advances once a day."""
    now = services.clock()
    async with services.store.transaction() as repo:
        schedule = await _schedule(repo, chat_id)
        planned = await plan_for(repo, services, chat_id, schedule.timezone, now)
        content = await services.content(repo)
    payload = planned.payload
    picks = payload.located_picks() if isinstance(payload, BriefingPayload) else ()
    return TodaysBriefing(content.document.title if content else "", planned.local_date, picks)
