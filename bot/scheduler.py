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

Two rules on top of it:

- A briefing not yet sent (planned or queued) follows the chat's later choices: when what it
  follows or its /items changes, `replan` takes back its choice (the `Undo` kept in its payload)
  and chooses again. The language is read at send time.
- At most one briefing in any MIN_GAP (20 hours) per chat, whatever its clock does: a due
  occurrence is skipped (and `next_due_at` moves on) while the chat has a briefing claimed, sent,
  uncertain or failed less than MIN_GAP ago; a sender checks it again before claiming.
"""

from __future__ import annotations

import asyncio
import logging
import time as monotonic
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from telegram import Bot

from bot.briefing import (
    MAX_PASSAGES,
    WHOLE_DOCUMENT,
    BriefingPayload,
    ContentIndex,
    Payload,
    ReadingState,
    compose_undoable,
    payload_from_json,
    qualified,
    undo,
)
from bot.clock import (
    DEFAULT_BRIEFING_TIME,
    format_time_of_day,
    is_chosen_day,
    local_date,
    next_occurrence,
    occurrence,
    parse_time_of_day,
)
from bot.context import BotContext
from bot.delivery import FloodPause, Outcome, send_claimed
from bot.ledger_writer import MAX_UNWRITTEN, LedgerWriter
from bot.services import Services
from bot.store import Repository
from bot.store.models import DeliveryRow, ReadingStateRow, ScheduleRow
from bot.store.repository import (
    BRIEFING,
    FAILED,
    PLANNED,
    QUEUED,
    SENDING,
    SENT,
    UNCERTAIN,
    Claim,
    DueSchedule,
    Retention,
    Sendable,
    StoredReadingState,
)

logger = logging.getLogger(__name__)

TICK_SECONDS = 30
BATCH = 500  # due chats planned, and ledger rows looked at, per page
PLAN_YIELD_EVERY = 50  # chats chosen between turns given to the event loop (answers wait less)
# Sends in flight at once. Telegram accepts about 30 a second; at its round-trip times 3–5 in
# flight already reach that. A paid broadcast (1 000 a second) needs many more at once.
CONCURRENCY = 8
PAID_CONCURRENCY = 64
# Rows claimed in one statement, just ahead of the senders (claimed, unsent rows are put back or
# released: they are never duplicated, so this is not part of the bound below).
CLAIM_AT_ONCE = 64
# The most briefings one crash (SIGKILL, power loss) can duplicate: sends in flight, and sends
# done but not yet marked (README: The guarantee). PAID_CONCURRENCY in place of CONCURRENCY
# with PAID_BROADCAST on.
DUPLICATES_PER_CRASH = CONCURRENCY + MAX_UNWRITTEN
# A claimed row whose send starts this long after its claim (a long 429 wait) renews its lease
# first, and is not sent if another process took it over.
RENEW_AFTER = 60.0
PROGRESS_EVERY = 60.0  # seconds between the push's progress lines in the log
# On shutdown the push gets this long to stop: the sends in flight end within
# python-telegram-bot's timeouts (5 s each); compose's stop_grace_period is 60 s.
STOP_WITHIN = 30.0
MAX_ATTEMPTS = 8
RETRY_BASE = timedelta(minutes=1)  # failed rows wait 1, 2, 4 … minutes between attempts
JOB_NAME = "daily-briefings"
# Beside other processes (PostgreSQL), a send claimed this long ago is taken for abandoned by a
# process that died. Sends finish in seconds; a send held past this by Telegram's 429s could be
# duplicated (README: Deployment).
SENDING_LEASE = timedelta(minutes=10)
# At most one briefing per chat in any MIN_GAP, whatever its clock does (a zone whose local date
# steps back, an earlier time): measured from when the last one was claimed, sent or failed.
MIN_GAP = timedelta(hours=20)
ATTEMPTED = (SENDING, SENT, UNCERTAIN, FAILED)  # briefings that went out, or may still
REPLANNABLE = (PLANNED, QUEUED)  # not yet claimed: may still be chosen again
# Data retention (README: Data retention; the rules are Repository.apply_retention's): once at
# start-up, then daily at a quiet hour.
RETENTION_JOB = "data-retention"
RETENTION_AT = time(3, 17, tzinfo=UTC)


@dataclass
class PushReport:
    planned: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    choosing_seconds: float = 0.0
    sending_seconds: float = 0.0
    commits: int = 0  # ledger transactions that marked sends (and claimed the next ones)
    put_back: int = 0  # claimed, not sent: the push stopped (shutdown)

    def count(self, outcome: Outcome) -> None:
        self.outcomes[outcome.status] = self.outcomes.get(outcome.status, 0) + 1

    @property
    def sent(self) -> int:
        return self.outcomes.get("sent", 0)


# received, cursors, rotation, the document last briefed from: as stored
State = tuple[list[str], dict[str, list[Any]], int, str]


def _reading_state(row: ReadingStateRow | StoredReadingState, index: ContentIndex) -> ReadingState:
    """The stored state ("<slug>:S.O" keys) as the index names passages, with every word-for-word
    copy of a received passage received too."""
    local = index.from_stored
    return ReadingState(
        index.with_twins(local(key) for key in row.received),
        {
            key: (int(value[0]), None if value[1] is None else local(value[1]))
            for key, value in row.cursors.items()
        },
        row.rotation,
        row.document_slug,
    )


def _choose(
    services: Services, subscriptions: list[Any], state: ReadingState, limit: int
) -> tuple[BriefingPayload, State]:
    """Today's picks for one chat (at most `limit`), as the ledger payload with its undo, and the
    reading state after them (received, cursors, rotation); nothing is written."""
    index = services.index
    follows = index.follows((s.kind, s.value, s.label) for s in subscriptions)
    fallback = index.follows(()) if follows[0].key != WHOLE_DOCUMENT else []
    # The fallback: what the chat follows is gone from the text.
    picks, change = compose_undoable(follows, state, limit, fallback)
    marked = index.ledger_picks(picks, state.known)  # a newer document's first, marked new
    position, stored = index.position, index.stored
    received = [
        stored(key) for key in sorted(state.received, key=lambda k: position.get(k, len(position)))
    ]
    cursors = {
        key: [round_, None if last is None else stored(last)]
        for key, (round_, last) in state.cursors.items()
    }
    payload = BriefingPayload(index.newest, marked, change.mapped(stored))
    return payload, (received, cursors, state.rotation, index.newest or state.known)


def _advance(state_row: ReadingStateRow | StoredReadingState, state: State) -> None:
    state_row.received, state_row.cursors, state_row.rotation, state_row.document_slug = state


Recent = list[tuple[int, date, str, datetime]]  # what repo.recent_briefings gives per chat


def _held_back(recent: Recent, day: date, at: datetime) -> bool:
    """Whether the chat's briefing for local `day`, due at `at`, must be skipped: the chat had
    another (one of `recent`) less than MIN_GAP before. A failed one counts only while it may
    still be retried (its day is not over before this one's)."""
    return any(
        other != day and (status != FAILED or other > day) and at - touched < MIN_GAP
        for _id, other, status, touched in recent
    )


async def next_due(
    repo: Repository, schedule: ScheduleRow | DueSchedule, now: datetime
) -> datetime:
    """The instant of the chat's next briefing that will go out: its next local time after now
    on a day it chose, passing over the occurrences the ledger would refuse: a local date whose
    briefing was sent (claimed, failed, given up) already, and any less than MIN_GAP after the
    last one. What /settings shows as "next" is then true after a change of zone or time."""
    at = parse_time_of_day(schedule.briefing_time)
    assert at is not None  # stored times are always ones parse_time_of_day wrote
    zone_name, weekdays, chat_id = schedule.timezone, schedule.weekdays, schedule.chat_id
    candidate = next_occurrence(now, at, zone_name, weekdays)
    recent = (await repo.recent_briefings([chat_id], now - MIN_GAP, ATTEMPTED)).get(chat_id, [])
    taken = await repo.briefing_statuses(chat_id, local_date(now, zone_name) - timedelta(days=2))
    for _ in range(10):
        day = local_date(candidate, zone_name)
        done = taken.get(day, PLANNED) not in REPLANNABLE
        if not done and not _held_back(recent, day, candidate):
            break
        candidate = next_occurrence(candidate, at, zone_name, weekdays)
    return candidate


@dataclass(frozen=True)
class PlannedBriefing:
    local_date: date
    payload: Payload


async def plan_for(
    repo: Repository, services: Services, chat_id: int, timezone: str, now: datetime
) -> PlannedBriefing:
    """Today's briefing for the chat (today in its own zone), choosing its passages if this is
    the first ask. Asking again returns the same one: the rotation advances once a day. When
    today's would be skipped (less than MIN_GAP after another: the zone stepped back, the time
    moved earlier), today's is that other one, the one the chat got."""
    day = local_date(now, timezone)
    existing = await repo.delivery(chat_id, day)
    if existing is not None:
        return PlannedBriefing(day, payload_from_json(existing.payload))
    schedule = await repo.schedule(chat_id)
    if schedule is not None:
        standing = await _standing_in(repo, schedule, day)
        if standing is not None:
            return PlannedBriefing(standing.local_date, payload_from_json(standing.payload))
    row = await repo.reserve_delivery(chat_id, day, now)
    if row is None:  # planned meanwhile, by the push or another process
        existing = await repo.delivery(chat_id, day)
        assert existing is not None
        return PlannedBriefing(day, payload_from_json(existing.payload))
    limit = schedule.items if schedule is not None else MAX_PASSAGES
    slug = services.index.newest
    state_row = (await repo.reading_states([chat_id], slug))[chat_id]
    payload, state = _choose(
        services,
        await repo.subscriptions(chat_id),
        _reading_state(state_row, services.index),
        limit,
    )
    _advance(state_row, state)
    row.payload = payload.to_json()
    return PlannedBriefing(day, payload)


async def _standing_in(repo: Repository, schedule: ScheduleRow, day: date) -> DeliveryRow | None:
    """The briefing that keeps local `day`'s from going out (one less than MIN_GAP before its
    time), if there is one: the last such."""
    at = parse_time_of_day(schedule.briefing_time)
    assert at is not None
    due_at = occurrence(day, at, schedule.timezone)
    recent = await repo.recent_briefings([schedule.chat_id], due_at - MIN_GAP, ATTEMPTED)
    rows = recent.get(schedule.chat_id, [])
    if not _held_back(rows, day, due_at):
        return None
    _id, last_day, _status, _at = max(row for row in rows if row[1] != day)
    return await repo.delivery(schedule.chat_id, last_day)


async def replan(repo: Repository, services: Services, chat_id: int) -> bool:
    """The chat changed what it follows or how many passages it wants: its briefing not yet sent
    (the last one planned, still planned or queued, for its today or later) is chosen again from
    the reading state it was chosen from, inside the caller's transaction. Whether there was one.

    The row is locked first, so a sender cannot claim it meanwhile; one already claimed is left
    as it is (it is on its way)."""
    now = services.clock()
    row = await repo.latest_briefing(chat_id)
    if row is None or row.status not in REPLANNABLE:
        return False
    schedule = await repo.schedule(chat_id)
    if schedule is None or row.local_date < local_date(now, schedule.timezone):
        return False  # a day gone by: it will never be sent
    payload = payload_from_json(row.payload)
    if not isinstance(payload, BriefingPayload) or payload.undo is None:
        return False  # planned by an older version, which kept no undo
    index = services.index
    state_row = (await repo.reading_states([chat_id], index.newest))[chat_id]
    state = _reading_state(state_row, index)
    # Rows from before several documents name passages "S.O" within the payload's document.
    document = payload.document
    undo(state, payload.undo.mapped(lambda key: index.from_stored(qualified(key, document))))
    chosen, after = _choose(services, await repo.subscriptions(chat_id), state, schedule.items)
    _advance(state_row, after)
    row.payload, row.updated_at = chosen.to_json(), now
    return True


async def _plan_due(services: Services, now: datetime) -> int:
    """Queue the briefings of one batch of due chats, in a few statements for the whole batch;
    how many chats were due."""
    async with services.store.transaction() as repo:
        due = await repo.due_schedules(now, BATCH)
        if not due:
            return 0
        days: dict[int, date] = {}
        schedules: dict[int, DueSchedule] = {}
        moved: dict[int, datetime] = {}  # each due schedule's next instant, written at the end
        for schedule in due:
            at = parse_time_of_day(schedule.briefing_time)
            assert at is not None
            zone_name, weekdays = schedule.timezone, schedule.weekdays
            today = local_date(now, zone_name)
            moved[schedule.chat_id] = next_occurrence(now, at, zone_name, weekdays)
            if now < occurrence(today, at, zone_name) or not is_chosen_day(today, weekdays):
                # Due for an earlier day that passed while the bot was down: that one is gone;
                # the next comes at its time, on a day the chat chose.
                continue
            days[schedule.chat_id] = today
            schedules[schedule.chat_id] = schedule
        # A briefing less than MIN_GAP ago for another local date (the zone stepped back, the
        # time moved earlier): this occurrence is skipped; the next one stands.
        recent = await repo.recent_briefings(list(days), now - MIN_GAP, ATTEMPTED)
        for chat_id, rows in recent.items():
            if _held_back(rows, days[chat_id], now):
                del days[chat_id]
                moved[chat_id] = await next_due(repo, schedules[chat_id], now)
        await repo.move_schedules(moved)
        if not days:
            return len(due)
        # Planned earlier today (by /today): now due. Not planned yet: choose and insert.
        existing = await repo.briefings_on(days)
        await repo.queue_planned([row_id for row_id, status in existing.values()
                                  if status == PLANNED], now)  # fmt: skip
        fresh = [chat_id for chat_id in days if chat_id not in existing]
        subscriptions = await repo.subscriptions_of(fresh)
        states = await repo.stored_reading_states(fresh, services.index.newest)
        choices: dict[int, tuple[BriefingPayload, State]] = {}
        for done, chat_id in enumerate(fresh, start=1):
            choices[chat_id] = _choose(
                services,
                subscriptions[chat_id],
                _reading_state(states[chat_id], services.index),
                schedules[chat_id].items,
            )
            if done % PLAN_YIELD_EVERY == 0:
                await asyncio.sleep(0)  # a turn for the updates waiting on the event loop
        inserted = await repo.insert_queued_briefings(
            [(chat_id, days[chat_id], choices[chat_id][0]) for chat_id in fresh], now
        )
        for chat_id in inserted:  # a chat another planner got first keeps its state as it is
            _advance(states[chat_id], choices[chat_id][1])
        await repo.save_reading_states([states[chat_id] for chat_id in inserted])
    return len(due)


def _ready(row: Sendable, now: datetime) -> bool:
    if row.status == QUEUED:
        return True
    return now - row.updated_at >= RETRY_BASE * 2 ** max(row.attempts - 1, 0)


async def _sendable_page(
    services: Services, now: datetime, after_id: int
) -> tuple[list[int], int] | None:
    """The ids ready to send in one page of queued (and retry-ready failed) rows after
    `after_id`, and the page's last id; None when there was nothing left. Rows whose day is over
    or that would break MIN_GAP are given up here."""
    async with services.store.transaction() as repo:
        page = await repo.sendable_deliveries(after_id, BATCH, MAX_ATTEMPTS)
        if not page:
            return None
        ready: list[int] = []
        given_up: dict[int, str] = {}
        briefing_chats = [row.chat_id for row in page if row.kind == BRIEFING]
        recent = await repo.recent_briefings(briefing_chats, now - MIN_GAP, ATTEMPTED)
        claiming: set[int] = set()  # chats with a briefing to be claimed from this page
        for row in page:
            if row.kind != BRIEFING:
                if _ready(row, now):
                    ready.append(row.id)
            elif row.local_date < local_date(now, row.timezone):
                given_up[row.id] = "expired: the day is over"
            elif _held_back(recent.get(row.chat_id, []), row.local_date, now):
                given_up[row.id] = "skipped: a briefing less than 20 hours ago"
            elif row.chat_id not in claiming and _ready(row, now):
                claiming.add(row.chat_id)  # a second one waits for the next tick's check
                ready.append(row.id)
        await repo.give_up_deliveries(given_up, now)
    return ready, page[-1].id


class PushStopping(Exception):
    """The bot is shutting down: the send that met it did not happen, and its row goes back."""


@dataclass
class _Run:
    """What the senders of one push run share."""

    ledger: LedgerWriter
    pause: FloodPause
    concurrency: int
    stopping: asyncio.Event
    timer: Callable[[], float]
    sleep: Callable[[float], Awaitable[Any]]
    built: dict[Any, Any] = field(default_factory=dict)
    started: float = 0.0
    logged: float = 0.0
    put_back: int = 0

    async def wait(self, seconds: float) -> None:
        """A sender's wait (backoff, a 429), cut short by shutdown."""
        if self.stopping.is_set():
            raise PushStopping
        waiting = asyncio.ensure_future(self.sleep(seconds))
        stopped = asyncio.ensure_future(self.stopping.wait())
        try:
            await asyncio.wait((waiting, stopped), return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiting.cancel()
            stopped.cancel()
        if self.stopping.is_set():
            raise PushStopping


def _log_progress(report: PushReport, run: _Run, final: bool = False) -> None:
    """One line a minute while the push sends, and one at its end: rate, outcomes, 429s."""
    now = run.timer()
    if not final and now - run.logged < PROGRESS_EVERY:
        return
    run.logged = now
    elapsed = max(now - run.started, 1e-9)
    logger.info(
        "push %s: %d sent in %.0f s (%.1f msg/s), outcomes %s; Telegram asked to wait %d times "
        "(%.0f s in all)%s",
        "done" if final else "running", report.sent, elapsed, report.sent / elapsed,
        report.outcomes, run.pause.count, run.pause.seconds,
        f"; {run.put_back} put back for the next start" if run.put_back else "",
    )  # fmt: skip


async def _send_ids(
    services: Services, bot: Bot, ids: list[int], report: PushReport, run: _Run
) -> None:
    """Claim and send `ids`: claimed a few at a time, just ahead of the senders (a claim's lease
    counts from shortly before its send), outcomes marked in batches by the run's ledger writer.
    On shutdown nothing more is claimed, and rows claimed but not sent are put back."""
    queue: asyncio.Queue[Claim | None] = asyncio.Queue(maxsize=CLAIM_AT_ONCE)
    claimed_at: dict[int, float] = {}
    unsent: list[int] = []

    async def feed() -> None:
        try:
            for start in range(0, len(ids), CLAIM_AT_ONCE):
                if run.stopping.is_set():
                    break
                claims = await run.ledger.claim(ids[start : start + CLAIM_AT_ONCE])
                at = run.timer()
                for claim in claims:
                    claimed_at[claim.delivery_id] = at
                    await queue.put(claim)
        except asyncio.CancelledError:
            raise  # the senders stopped early: nobody is left to tell
        except Exception:
            logger.exception("claiming the push's next rows failed; the rest waits for a tick")
        for _ in range(run.concurrency):
            await queue.put(None)

    async def sender() -> None:
        while (claim := await queue.get()) is not None:
            if run.stopping.is_set():
                unsent.append(claim.delivery_id)
                continue
            try:
                waited = run.timer() - claimed_at.pop(claim.delivery_id, run.timer())
                if waited > RENEW_AFTER and not await run.ledger.renew(claim.delivery_id):
                    continue  # taken over by another process after the lease
                outcome = await send_claimed(
                    services, bot, claim, run.wait,
                    ledger=run.ledger, pause=run.pause, built=run.built,
                )  # fmt: skip
            except PushStopping:
                unsent.append(claim.delivery_id)
                continue
            except Exception:  # one chat's surprise must not stop the others
                logger.exception("briefing delivery %s failed unexpectedly", claim.delivery_id)
                outcome = Outcome("error", claim.chat_id)
            report.count(outcome)
            _log_progress(report, run)

    feeding = asyncio.ensure_future(feed())
    try:
        await asyncio.gather(*(sender() for _ in range(run.concurrency)))
    finally:
        if not feeding.done():  # the senders stopped early (a surprise): so does the claiming
            feeding.cancel()
        await asyncio.wait([feeding])
        while not queue.empty():  # claimed, never taken by a sender
            if (left := queue.get_nowait()) is not None:
                unsent.append(left.delivery_id)
        await run.ledger.flush()
        if unsent:
            run.put_back += await run.ledger.put_back(unsent)


async def _timed_plan(services: Services, now: datetime, report: PushReport) -> int:
    started = monotonic.perf_counter()
    planned = await _plan_due(services, now)
    report.planned += planned
    report.choosing_seconds += monotonic.perf_counter() - started
    return planned


async def _release_abandoned(services: Services, now: datetime) -> None:
    async with services.store.transaction() as repo:
        released = await repo.release_interrupted_sends(now, now - SENDING_LEASE)
    if released:
        logger.warning("%d sends were abandoned in flight; queued again", released)


def concurrency(services: Services) -> int:
    """Sends in flight at once: PAID_CONCURRENCY for a paid broadcast (1 000 a second needs
    many round trips at once), CONCURRENCY otherwise."""
    return PAID_CONCURRENCY if services.settings.paid_broadcast else CONCURRENCY


async def push(
    services: Services,
    bot: Bot,
    now: datetime | None = None,
    wait: bool = False,
    *,
    timer: Callable[[], float] = monotonic.monotonic,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    claimer: str | None = None,
) -> PushReport:
    """One run of the push: plan every due chat and send everything ready. Runs one at a time:
    a tick that finds another run in progress returns at once; with `wait` it waits its turn.
    `timer` and `sleep` are the clock and the wait of its 429 pauses and progress lines (tests
    inject theirs); `claimer` names it in the ledger (a fresh name by default).

    On shutdown (`services.stopping`) it plans and claims nothing more, lets the sends in flight
    end, marks them and puts back what it had claimed but not sent."""
    report = PushReport()
    if services.push_lock.locked() and not wait:
        return report
    async with services.push_lock:
        if services.stopping.is_set():
            return report
        now = now or services.clock()
        await _release_abandoned(services, now)
        run = _Run(
            LedgerWriter(services.store, services.clock, claimer),
            FloodPause(timer, sleep),
            concurrency(services),
            services.stopping,
            timer,
            sleep,
        )
        run.pause.sleep = run.wait  # a 429's wait ends early on shutdown
        run.started = run.logged = timer()
        after_id = 0
        # The next batch of due chats is chosen while the current page sends: its transaction
        # takes turns with the sends' claims and marks, and its database work overlaps theirs.
        planning = asyncio.ensure_future(_timed_plan(services, now, report))
        try:
            while True:
                planned = await planning
                if services.stopping.is_set():
                    break
                started = monotonic.perf_counter()
                page = await _sendable_page(services, now, after_id)
                if page is None and not planned:
                    break
                planning = asyncio.ensure_future(_timed_plan(services, now, report))
                if page is not None:
                    ready, after_id = page
                    await _send_ids(services, bot, ready, report, run)
                report.sending_seconds += monotonic.perf_counter() - started
        finally:
            if not planning.done():  # stopping, or a send's surprise: the batch ends first
                await asyncio.wait([planning])
        report.commits = run.ledger.commits
        report.put_back = run.put_back
        if report.planned or report.outcomes or run.put_back:
            _log_progress(report, run, final=True)
            logger.info(
                "push: %d due, outcomes %s (choosing %.2fs, sending %.2fs, %d ledger commits)",
                report.planned, report.outcomes, report.choosing_seconds,
                report.sending_seconds, run.ledger.commits,
            )  # fmt: skip
    return report


async def stop_pushing(services: Services, within: float = STOP_WITHIN) -> bool:
    """Shutdown (SIGTERM): the push claims nothing more, lets its sends in flight end, marks
    them and puts back the rows it claimed but did not send; wait for that, at most `within`
    seconds. Whether it stopped in time."""
    services.stopping.set()
    try:
        async with asyncio.timeout(within):
            async with services.push_lock:
                return True
    except TimeoutError:
        logger.warning(
            "the push did not stop within %g s; its claimed rows are sent again after the "
            "lease (or at the next start)", within,
        )  # fmt: skip
        return False


async def _tick(context: BotContext) -> None:
    await push(context.services, context.bot)


async def retain(services: Services, now: datetime | None = None) -> Retention:
    """One retention run, in one transaction, as of `now` (the services' clock by default)."""
    async with services.store.transaction() as repo:
        report = await repo.apply_retention(now or services.clock())
    services.chats.forget(*report.chats)  # deleted: the next update from one makes it anew
    if report.ledger_rows or report.chats or report.saved_queries:
        logger.info(
            "retention: deleted %d ledger rows, %d chats inactive a year, %d saved searches",
            report.ledger_rows, len(report.chats), report.saved_queries,
        )  # fmt: skip
    return report


async def _retention(context: BotContext) -> None:
    try:
        await retain(context.services)
    except Exception:  # tried again at the next run; the bot goes on
        logger.exception("data retention failed")


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
    job_queue.run_daily(_retention, RETENTION_AT, name=RETENTION_JOB, job_kwargs=job_kwargs)
    job_queue.run_once(_retention, when=0, name=f"{RETENTION_JOB}-start-up", job_kwargs=job_kwargs)


__all__ = [
    "FAILED", "MIN_GAP", "PushReport", "next_due", "plan_for", "push", "replan", "retain",
    "start_schedule", "stop_pushing",
]  # fmt: skip
