"""The daily push, driven by one repeating JobQueue job.

The schedule lives in the store (each chat's local time, zone and the UTC instant of its next
briefing), not in APScheduler: a tick every TICK_SECONDS asks the store which chats are due, plans
their briefings into the delivery ledger, and sends what the ledger says is ready. A tick at
start-up does the catch-up: briefings due today while the bot was down go out at once, and nothing
relies on APScheduler's misfire grace time.

The ledger has one row per chat and local date:

    planned  → chosen (by the push, or earlier by /today), waiting for its time
    queued   → due: to be sent
    sending  → claimed by a sender, just before the send (reset to queued at start-up)
    sent | uncertain (a read timeout: may have arrived, never re-sent) | failed (retried with
    backoff while the day lasts) | gave_up (blocked, removed, refused, or the day is over)
"""

from __future__ import annotations

import asyncio
import logging
import time as monotonic
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from telegram import Bot

from bot.briefing import (
    WHOLE_DOCUMENT,
    BriefingPayload,
    Payload,
    ReadingState,
    compose,
    payload_from_json,
)
from bot.clock import (
    DEFAULT_BRIEFING_TIME,
    format_time_of_day,
    local_date,
    next_occurrence,
    occurrence,
    parse_time_of_day,
)
from bot.context import BotContext
from bot.delivery import Outcome, send_claimed
from bot.services import Services
from bot.store import Repository
from bot.store.models import DeliveryRow
from bot.store.repository import BRIEFING, FAILED, GAVE_UP, PLANNED, QUEUED, Claim

logger = logging.getLogger(__name__)

TICK_SECONDS = 30
BATCH = 500
# Sends in flight at once: also the most a crash can duplicate. Telegram accepts about 30 a
# second; at its round-trip times 3–5 in flight already reach that.
CONCURRENCY = 8
MAX_ATTEMPTS = 8
RETRY_BASE = timedelta(minutes=1)  # failed rows wait 1, 2, 4 … minutes between attempts
JOB_NAME = "daily-briefings"
# Beside other processes (PostgreSQL), a send claimed this long ago is taken for abandoned by a
# process that died. Sends finish in seconds; a send held past this by Telegram's 429s could be
# duplicated (README: Deployment).
SENDING_LEASE = timedelta(minutes=10)


@dataclass
class PushReport:
    planned: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    choosing_seconds: float = 0.0
    sending_seconds: float = 0.0

    def count(self, outcome: Outcome) -> None:
        self.outcomes[outcome.status] = self.outcomes.get(outcome.status, 0) + 1

    @property
    def sent(self) -> int:
        return self.outcomes.get("sent", 0)


def _choose(
    services: Services, subscriptions: list[Any], state_row: Any
) -> tuple[BriefingPayload, tuple[list[str], dict[str, list[Any]], int]]:
    """Today's picks for one chat, as the ledger payload, and its reading state after them
    (received, cursors, rotation); nothing is written."""
    state = ReadingState(
        set(state_row.received),
        {key: (int(value[0]), value[1]) for key, value in state_row.cursors.items()},
        state_row.rotation,
    )
    index = services.index
    follows = index.follows((s.kind, s.value, s.label) for s in subscriptions)
    picks = compose(follows, state)
    if not picks and follows[0].key != WHOLE_DOCUMENT:  # what it follows is gone from the text
        picks = compose(index.follows(()), state)
    position = index.position
    received = sorted(state.received, key=lambda key: position.get(key, len(position)))
    cursors = {key: [round_, last] for key, (round_, last) in state.cursors.items()}
    payload = BriefingPayload(services.library.primary.slug, tuple(picks))
    return payload, (received, cursors, state.rotation)


def _advance(state_row: Any, state: tuple[list[str], dict[str, list[Any]], int]) -> None:
    state_row.received, state_row.cursors, state_row.rotation = state


@dataclass(frozen=True)
class PlannedBriefing:
    local_date: date
    payload: Payload


async def plan_for(
    repo: Repository, services: Services, chat_id: int, timezone: str, now: datetime
) -> PlannedBriefing:
    """Today's briefing for the chat (today in its own zone), choosing its passages if this is
    the first ask. Asking again returns the same one: the rotation advances once a day."""
    day = local_date(now, timezone)
    row = await repo.reserve_delivery(chat_id, day, now)
    if row is None:
        existing = await repo.delivery(chat_id, day)
        assert existing is not None
        return PlannedBriefing(day, payload_from_json(existing.payload))
    states = await repo.reading_states([chat_id], services.library.primary.slug)
    payload, state = _choose(services, await repo.subscriptions(chat_id), states[chat_id])
    _advance(states[chat_id], state)
    row.payload = payload.to_json()
    return PlannedBriefing(day, payload)


async def _plan_due(services: Services, now: datetime) -> int:
    """Queue the briefings of one batch of due chats, in a few statements for the whole batch;
    how many chats were due."""
    async with services.store.transaction() as repo:
        due = await repo.due_schedules(now, BATCH)
        if not due:
            return 0
        days: dict[int, date] = {}
        for schedule, _chat in due:
            at = parse_time_of_day(schedule.briefing_time)
            assert at is not None
            today = local_date(now, schedule.timezone)
            todays_time = occurrence(today, at, schedule.timezone)
            if now < todays_time:
                # Due for an earlier day that passed while the bot was down: that one is gone;
                # today's comes at its time.
                schedule.next_due_at = todays_time
                continue
            days[schedule.chat_id] = today
            schedule.next_due_at = next_occurrence(now, at, schedule.timezone)
        if not days:
            return len(due)
        # Planned earlier today (by /today): now due. Not planned yet: choose and insert.
        existing = await repo.briefings_on(days)
        await repo.queue_planned([row_id for row_id, status in existing.values()
                                  if status == PLANNED], now)  # fmt: skip
        fresh = [chat_id for chat_id in days if chat_id not in existing]
        subscriptions = await repo.subscriptions_of(fresh)
        states = await repo.reading_states(fresh, services.library.primary.slug)
        choices = {
            chat_id: _choose(services, subscriptions[chat_id], states[chat_id]) for chat_id in fresh
        }
        inserted = await repo.insert_queued_briefings(
            [(chat_id, days[chat_id], choices[chat_id][0]) for chat_id in fresh], now
        )
        for chat_id in inserted:  # a chat another planner got first keeps its state as it is
            _advance(states[chat_id], choices[chat_id][1])
    return len(due)


def _ready(row: DeliveryRow, now: datetime) -> bool:
    if row.status == QUEUED:
        return True
    return now - row.updated_at >= RETRY_BASE * 2 ** max(row.attempts - 1, 0)


async def _send_ready(
    services: Services, bot: Bot, now: datetime, after_id: int, report: PushReport
) -> int | None:
    """Send one page of queued (and retry-ready failed) rows after `after_id`; the last id seen,
    or None when there was nothing left."""
    async with services.store.transaction() as repo:
        page = await repo.sendable_deliveries(after_id, BATCH, MAX_ATTEMPTS)
        if not page:
            return None
        ready: list[int] = []
        for row, zone_name in page:
            if row.kind == BRIEFING and row.local_date < local_date(now, zone_name):
                row.status, row.error, row.updated_at = GAVE_UP, "expired: the day is over", now
            elif _ready(row, now):
                ready.append(row.id)
        # Claimed a page at a time: a claimed row that a crash keeps from being sent is simply
        # queued again at start-up; only rows sent but not yet marked can be duplicated.
        claims = await repo.claim_deliveries(ready, now)
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def send(claim: Claim) -> None:
        async with semaphore:
            try:
                report.count(await send_claimed(services, bot, claim))
            except Exception:  # one chat's surprise must not stop the others
                logger.exception("briefing delivery %s failed unexpectedly", claim.delivery_id)
                report.count(Outcome("error", claim.chat_id))

    await asyncio.gather(*(send(claim) for claim in claims))
    return page[-1][0].id


async def _release_abandoned(services: Services, now: datetime) -> None:
    async with services.store.transaction() as repo:
        released = await repo.release_interrupted_sends(now, now - SENDING_LEASE)
    if released:
        logger.warning("%d sends were abandoned in flight; queued again", released)


async def push(
    services: Services, bot: Bot, now: datetime | None = None, wait: bool = False
) -> PushReport:
    """One run of the push: plan every due chat and send everything ready. Runs one at a time:
    a tick that finds another run in progress returns at once; with `wait` it waits its turn."""
    report = PushReport()
    if services.push_lock.locked() and not wait:
        return report
    async with services.push_lock:
        now = now or services.clock()
        await _release_abandoned(services, now)
        after_id = 0
        while True:
            started = monotonic.perf_counter()
            planned = await _plan_due(services, now)
            report.planned += planned
            report.choosing_seconds += monotonic.perf_counter() - started
            started = monotonic.perf_counter()
            last_id = await _send_ready(services, bot, now, after_id, report)
            report.sending_seconds += monotonic.perf_counter() - started
            if last_id is not None:
                after_id = last_id
            elif not planned:
                break
    if report.planned or report.outcomes:
        logger.info(
            "push: %d due, outcomes %s (choosing %.2fs, sending %.2fs)",
            report.planned, report.outcomes, report.choosing_seconds, report.sending_seconds,
        )  # fmt: skip
    return report


async def _tick(context: BotContext) -> None:
    await push(context.services, context.bot)


async def start_schedule(application: Any) -> None:
    """At start-up: sends a previous process left in flight go back to the queue (at most
    CONCURRENCY of them may have arrived: the stated duplicate bound), then a tick every
    TICK_SECONDS, the first at once (the catch-up)."""
    services: Services = application.bot_data.services
    now = services.clock()
    zone_name = services.settings.briefing_timezone.key
    lease = None if services.store.is_sqlite else now - SENDING_LEASE
    async with services.store.transaction() as repo:
        released = await repo.release_interrupted_sends(now, lease)
        # Chats from before schedules existed get the default one.
        for chat_id in await repo.chats_without_schedule(limit=1_000_000):
            await repo.add_schedule(
                chat_id,
                format_time_of_day(DEFAULT_BRIEFING_TIME),
                zone_name,
                next_occurrence(now, DEFAULT_BRIEFING_TIME, zone_name),
            )
    if released:
        logger.warning(
            "%d briefings were in flight when the bot stopped; sending them again", released
        )
    job_queue = application.job_queue
    if job_queue is None:
        raise RuntimeError("the JobQueue is missing: install python-telegram-bot[job-queue]")
    # Never skip a late tick (APScheduler's default grace is 1 s), never run two at once.
    job_kwargs = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}
    job_queue.run_repeating(_tick, interval=TICK_SECONDS, name=JOB_NAME, job_kwargs=job_kwargs)
    # The catch-up. (An interval job's `first=0` would not run at once: APScheduler computes its
    # first run from the start date plus whole intervals.)
    job_queue.run_once(_tick, when=0, name=f"{JOB_NAME}-catch-up", job_kwargs=job_kwargs)


__all__ = ["FAILED", "PushReport", "plan_for", "push", "start_schedule"]
