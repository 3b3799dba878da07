"""The owner's tools, apart from their Telegram side: reloading content/ without a restart,
the figures of /stats, and broadcasts (drafted, then confirmed or cancelled, then sent by the
push while the owner watches the counts).

Who counts as an owner is decided where the commands are registered (OWNER_IDS); these functions
trust their caller on that and hold the rest: what the figures are, and that only a draft can be
sent or cancelled, once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.briefing import ContentIndex
from bot.clock import local_date
from bot.services import Services
from bot.store.content_import import sync_content
from bot.store.repository import (
    FAILED,
    GAVE_UP,
    PLANNED,
    QUEUED,
    SENDING,
    SENT,
    TOPIC,
    UNCERTAIN,
)
from content.library import Library, load_library

CHART_DAYS = 30
FAILURE_WINDOW = timedelta(days=7)
_FAILED_STATES = (FAILED, GAVE_UP, UNCERTAIN)
_PENDING_STATES = (QUEUED, SENDING)
# Every ledger state, in the order of a delivery's life: the order /stats lists them in.
LEDGER_STATES = (PLANNED, QUEUED, SENDING, SENT, FAILED, UNCERTAIN, GAVE_UP)
# A broadcast's life: draft → sending (confirmed: its ledger rows are queued) | cancelled.
DRAFT, CANCELLED = "draft", "cancelled"


# --- /reload ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContentChange:
    """What /reload found: counts before and after, and whether anything was imported."""

    imported: bool
    sections: tuple[int, int]
    passages: tuple[int, int]
    topics: tuple[int, int]


def _counts(library: Library) -> tuple[int, int, int]:
    document = library.primary.document
    passages = sum(len(section.passages) for section in document.sections)
    return len(document.numbered_sections), passages, len(library.catalog.topics)


async def reload_content(services: Services) -> ContentChange:
    """Re-read content/ and swap it in without a restart. Subscriptions and reading progress
    refer to topics by slug and passages by "S.O", so they carry over. A broken file raises
    ContentError and leaves everything as it was."""
    library = load_library(services.content_dir)
    index = ContentIndex.of(library)
    before = _counts(services.library)
    imported = await sync_content(services.store, library)
    services.library, services.index, services._snapshot = library, index, None
    async with services.store.transaction() as repo:
        await services.reindex(repo)  # the owner's imported documents beside content/'s
    after = _counts(library)
    sections, passages, topics = zip(before, after, strict=True)
    return ContentChange(imported, sections, passages, topics)


# --- /stats -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicFollowing:
    """A topic and how many chats follow it. `name` is the topic's name in the language asked
    for, or its slug when the topic is no longer in content/ (its subscriptions are kept)."""

    name: str
    chats: int


@dataclass(frozen=True)
class Stats:
    """Everything /stats shows, as of `today` (the local date in BRIEFING_TIMEZONE).

    Ledger states are the store's plain strings ("sent", "failed", …, one of LEDGER_STATES);
    naming them in the owner's language is the reply's concern. The three chart series have one
    entry per day of `chart_days`, oldest first."""

    today: date
    private_chats: int
    group_chats: int
    active_chats: int
    briefings_today: dict[str, int]  # ledger state → today's briefings in that state
    failures: dict[str, int]  # failed state → deliveries that ended so in FAILURE_WINDOW
    topics: tuple[TopicFollowing, ...]  # most followed first
    keyword_subscriptions: int
    uptime: timedelta  # whole seconds
    content_version: str  # the content hash
    chart_days: tuple[date, ...]
    sent_per_day: tuple[int, ...]  # briefings sent
    subscribers_per_day: tuple[int, ...]  # chats following something by the end of the day

    @property
    def inactive_chats(self) -> int:
        return self.private_chats + self.group_chats - self.active_chats


async def stats(services: Services, language: str) -> Stats:
    """The figures of /stats, read in one transaction so that they agree with each other."""
    now = services.clock()
    today = local_date(now, services.settings.briefing_timezone.key)
    first = today - timedelta(days=CHART_DAYS - 1)
    async with services.store.transaction() as repo:
        chats = await repo.chat_counts()
        subscriptions = await repo.subscription_counts()
        briefings = await repo.delivery_counts(today)
        failures = await repo.failures_since(now - FAILURE_WINDOW)
        sent_by_day = await repo.daily_sent(first)
        subscribed_since = await repo.first_subscription_dates()
    catalog = services.library.catalog
    followed = sorted(
        ((n, slug) for (kind, slug), n in subscriptions.items() if kind == TOPIC), reverse=True
    )
    topics = tuple(
        TopicFollowing(topic.name(language) if (topic := catalog.by_slug(slug)) else slug, n)
        for n, slug in followed
    )
    days = tuple(first + timedelta(days=i) for i in range(CHART_DAYS))
    first_dates = [moment.date() for moment in subscribed_since]
    return Stats(
        today=today,
        private_chats=sum(n for (kind, _), n in chats.items() if kind == "private"),
        group_chats=sum(n for (kind, _), n in chats.items() if kind != "private"),
        active_chats=sum(n for (_, active), n in chats.items() if active),
        briefings_today=briefings,
        failures=failures,
        topics=topics,
        keyword_subscriptions=sum(n for (kind, _), n in subscriptions.items() if kind != TOPIC),
        uptime=timedelta(seconds=int((now - services.started_at).total_seconds())),
        content_version=services.library.content_hash,
        chart_days=days,
        sent_per_day=tuple(sent_by_day.get(day, 0) for day in days),
        subscribers_per_day=tuple(sum(1 for d in first_dates if d <= day) for day in days),
    )


# --- /broadcast ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BroadcastDraft:
    """A broadcast written but not yet sent, and how many chats it would reach now."""

    id: int
    audience: int


@dataclass(frozen=True)
class QueuedBroadcast:
    """A confirmed broadcast: one ledger row queued per active chat, on `day` (the day its
    progress is counted on, even if sending runs past midnight)."""

    id: int
    day: date
    chats: int


@dataclass(frozen=True)
class BroadcastProgress:
    sent: int
    failed: int  # failed for good or for now, or of unknown outcome
    remaining: int  # queued or being sent


async def draft_broadcast(services: Services, text: str, created_by: int) -> BroadcastDraft | None:
    """Store the text as a draft, to be confirmed or cancelled; None for a blank text. Whether it
    fits one Telegram message is the caller's concern (it depends on how it is previewed)."""
    if not text.strip():
        return None
    async with services.store.transaction() as repo:
        row = await repo.create_broadcast(text, created_by, services.clock())
        draft_id = row.id
        audience = await repo.active_chat_count()
    return BroadcastDraft(draft_id, audience)


async def confirm_broadcast(services: Services, broadcast_id: int) -> QueuedBroadcast | None:
    """Queue a draft for every active chat; the push sends it. None if there is no such draft
    (unknown, already sent or cancelled): a second tap on "Send" sends nothing twice."""
    now = services.clock()
    day = now.date()
    async with services.store.transaction() as repo:
        row = await repo.broadcast(broadcast_id)
        if row is None or row.status != DRAFT:
            return None
        queued = await repo.queue_broadcast(row, day, now)
    return QueuedBroadcast(broadcast_id, day, queued)


async def cancel_broadcast(services: Services, broadcast_id: int) -> bool:
    """Cancel a draft; False if there is no such draft (unknown, already sent or cancelled)."""
    async with services.store.transaction() as repo:
        row = await repo.broadcast(broadcast_id)
        if row is None or row.status != DRAFT:
            return False
        row.status = CANCELLED
    return True


async def broadcast_progress(services: Services, broadcast: QueuedBroadcast) -> BroadcastProgress:
    """Where the sending of a confirmed broadcast stands, from its ledger rows."""
    async with services.store.transaction() as repo:
        counts = await repo.delivery_counts(broadcast.day, _ledger_kind(broadcast.id))
    return BroadcastProgress(
        sent=counts.get(SENT, 0),
        failed=sum(counts.get(state, 0) for state in _FAILED_STATES),
        remaining=sum(counts.get(state, 0) for state in _PENDING_STATES),
    )


def _ledger_kind(broadcast_id: int) -> str:
    """The ledger kind of a broadcast's deliveries, as Repository.queue_broadcast writes it."""
    return f"broadcast:{broadcast_id}"
