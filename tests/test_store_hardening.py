"""Store hardening: migrations that take turns and are all-or-nothing on both backends, and the
data retention rules (README: Data retention)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.ext.asyncio import create_async_engine

from bot.briefing import BroadcastPayload
from bot.config import Settings
from bot.delivery import send_claimed
from bot.scheduler import RETENTION_JOB, retain
from bot.services import KnownChat, Services
from bot.store import Store
from bot.store import migrate as migrations
from bot.store.migrate import current_revision, head_revision
from bot.store.models import DeliveryRow, SavedQueryRow
from bot.store.repository import BRIEFING, KEYWORD, QUEUED, SENT
from bot.usecases import owner_tools
from tests.support.driver import BotDriver
from tests.support.services import opened_services

BACKENDS = ("sqlite", "postgresql")
NOW = datetime(2026, 11, 25, 1, tzinfo=UTC)


async def _schema(database_url: str) -> tuple[set[str], set[str], str | None]:
    """Tables, the columns of `chats`, and the stamped revision."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:

            def read(sync: object) -> tuple[set[str], set[str], str | None]:
                inspector = inspect(sync)
                tables = set(inspector.get_table_names())
                columns = (
                    {c["name"] for c in inspector.get_columns("chats")}
                    if "chats" in tables
                    else set()
                )
                return tables, columns, current_revision(sync)  # type: ignore[arg-type]

            return await connection.run_sync(read)
    finally:
        await engine.dispose()


# --- migrations racing ------------------------------------------------------------------------


async def test_two_processes_migrating_a_fresh_database_both_succeed(database_url: str) -> None:
    """Two bots starting together on an empty database: one migrates, the other waits for it and
    then finds nothing to do (before: one of them died of a unique violation on PostgreSQL)."""
    first, second = Store(database_url), Store(database_url)
    try:
        await asyncio.gather(first.migrate(), second.migrate())
    finally:
        await first.close()
        await second.close()
    tables, _columns, revision = await _schema(database_url)
    assert revision == head_revision()
    assert {"chats", "deliveries", "broadcasts", "saved_queries"} <= tables


# --- a migration failing half-way ---------------------------------------------------------------

BROKEN = '''"""A migration that fails half-way.

Revision ID: 9999
Revises: {head}
"""

import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("half_done", sa.Column("id", sa.Integer(), primary_key=True))
    with op.batch_alter_table("chats") as batch_op:
        batch_op.add_column(sa.Column("half_column", sa.Integer(), nullable=True))
    op.execute("INSERT INTO half_done (id) VALUES (1)")
    raise RuntimeError("the migration broke half-way")


def downgrade() -> None:
    op.drop_table("half_done")
'''


def _add_broken_migration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on: the shipped migrations plus one more that creates a table, alters another,
    writes a row, then raises."""
    head = head_revision()
    folder = tmp_path / "migrations"
    shutil.copytree(migrations.MIGRATIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "versions" / "9999_broken.py").write_text(BROKEN.format(head=head), "utf-8")
    monkeypatch.setattr(migrations, "MIGRATIONS", folder)


async def test_a_migration_failing_half_way_changes_nothing(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(database_url)
    await store.migrate()
    async with store.transaction() as repo:
        await repo.touch_chat(7, "private", "zh", NOW)
    await store.close()
    before = await _schema(database_url)
    assert before[2] == head_revision()

    _add_broken_migration(tmp_path, monkeypatch)
    store = Store(database_url)
    with pytest.raises(RuntimeError, match="half-way"):
        await store.migrate()
    await store.close()
    tables, columns, revision = await _schema(database_url)
    assert "half_done" not in tables
    assert "half_column" not in columns
    assert (tables, columns, revision) == before  # the version unchanged too
    store = Store(database_url)
    async with store.transaction() as repo:
        assert await repo.chat(7) is not None
    await store.close()


async def test_a_first_start_failing_half_way_leaves_an_empty_database(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every migration from the first to the broken one runs in one transaction: none stays."""
    _add_broken_migration(tmp_path, monkeypatch)
    store = Store(database_url)
    with pytest.raises(RuntimeError, match="half-way"):
        await store.migrate()
    await store.close()
    assert await _schema(database_url) == (set(), set(), None)


# --- data retention ---------------------------------------------------------------------------


class Clock:
    """The services' clock, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
async def services(
    settings: Settings, bot_database_url: str, clock: Clock
) -> AsyncIterator[Services]:
    async with opened_services(settings, bot_database_url, clock) as opened:
        yield opened


async def _ledger_row(
    services: Services, chat_id: int, day: date, at: datetime, kind: str = BRIEFING
) -> None:
    async with services.store.transaction() as repo:
        repo.session.add(
            DeliveryRow(chat_id=chat_id, local_date=day, kind=kind, status=SENT,
                        payload={"picks": []}, attempts=1, planned_at=at, updated_at=at)
        )  # fmt: skip


async def _ledger_days(services: Services, chat_id: int) -> list[date]:
    async with services.store.transaction() as repo:
        rows = await repo.session.scalars(
            select(DeliveryRow.local_date)
            .where(DeliveryRow.chat_id == chat_id)
            .order_by(DeliveryRow.local_date)
        )
        return list(rows)


async def test_ledger_rows_older_than_90_days_are_deleted(services: Services, clock: Clock) -> None:
    async with services.store.transaction() as repo:
        await repo.touch_chat(1, "private", "zh", NOW)
    for age in (200, 91, 89, 0):
        at = NOW - timedelta(days=age)
        await _ledger_row(services, 1, at.date(), at)
    await _ledger_row(services, 1, (NOW - timedelta(days=120)).date(), NOW, "broadcast:1")
    report = await retain(services)
    assert report.ledger_rows == 2
    assert await _ledger_days(services, 1) == [
        (NOW - timedelta(days=120)).date(),  # an old day, but changed today: not yet
        (NOW - timedelta(days=89)).date(),
        NOW.date(),
    ]
    clock.now = NOW + timedelta(days=2)  # the next runs, with the clock moved on
    assert (await retain(services)).ledger_rows == 1
    assert await _ledger_days(services, 1) == [(NOW - timedelta(days=120)).date(), NOW.date()]
    clock.now = NOW + timedelta(days=91)
    assert (await retain(services)).ledger_rows == 2
    assert await _ledger_days(services, 1) == []


async def test_a_chat_inactive_for_a_year_is_deleted_with_its_data(
    services: Services, clock: Clock
) -> None:
    async with services.store.transaction() as repo:
        for chat_id in (1, 2, 3):
            await repo.touch_chat(chat_id, "private", "zh", NOW - timedelta(days=800))
            await repo.subscribe(chat_id, KEYWORD, "专利", "专利", NOW - timedelta(days=800))
            await repo.add_schedule(chat_id, "08:00", "Asia/Shanghai", NOW)
        await repo.set_chat_active(1, False)  # blocked the bot
        await repo.set_chat_active(3, False)  # removed it, and came back later
    await _ledger_row(services, 1, NOW.date(), NOW)
    services.chats.put(1, KnownChat("zh", "private", NOW))

    assert (await retain(services)).chats == ()  # seen inactive from now on
    async with services.store.transaction() as repo:
        chat = await repo.chat(1)
        assert chat is not None
        assert chat.inactive_since == NOW
    clock.now = NOW + timedelta(days=100)
    async with services.store.transaction() as repo:
        await repo.touch_chat(3, "private", "zh", clock.now)  # writes to the bot again
    clock.now = NOW + timedelta(days=101)
    async with services.store.transaction() as repo:
        await repo.set_chat_active(3, False)  # and leaves again: a new year starts
    clock.now = NOW + timedelta(days=102)
    assert (await retain(services)).chats == ()  # the next daily run sees it
    clock.now = NOW + timedelta(days=365)
    assert (await retain(services)).chats == ()  # a year, not more
    clock.now = NOW + timedelta(days=366)
    assert (await retain(services)).chats == (1,)
    assert services.chats.get(1) is None
    async with services.store.transaction() as repo:
        assert await repo.chat(1) is None
        assert await repo.subscriptions(1) == []
        assert await repo.schedule(1) is None
        assert await repo.chat(2) is not None  # active, however long ago it wrote
        assert await repo.chat(3) is not None  # inactive for 265 days only
        assert len(await repo.subscriptions(3)) == 1
    assert await _ledger_days(services, 1) == []
    clock.now = NOW + timedelta(days=102 + 365)
    assert (await retain(services)).chats == ()
    clock.now = NOW + timedelta(days=102 + 366)
    assert (await retain(services)).chats == (3,)


async def test_saved_searches_unused_for_30_days_are_deleted(
    services: Services, clock: Clock
) -> None:
    async with services.store.transaction() as repo:
        used = await repo.save_query("专利 审查", NOW)
        unused = await repo.save_query("商标", NOW)
        repo.session.add(SavedQueryRow(text="from before retention"))  # no last use known
    clock.now = NOW + timedelta(days=20)
    async with services.store.transaction() as repo:
        assert await repo.saved_query(used, clock.now) == "专利 审查"  # a page button used it
        assert (await repo.apply_retention(clock.now)).saved_queries == 0
    clock.now = NOW + timedelta(days=31)
    assert (await retain(services)).saved_queries == 1
    async with services.store.transaction() as repo:
        assert await repo.saved_query(unused, clock.now) is None  # its buttons have expired
        assert await repo.saved_query(used, clock.now) == "专利 审查"
    clock.now = NOW + timedelta(days=50)  # the old one counts as used at the run on day 20
    assert (await retain(services)).saved_queries == 0
    clock.now = NOW + timedelta(days=61)  # 30 days after the page turn on day 31: still kept
    assert (await retain(services)).saved_queries == 1  # the one from before retention
    clock.now = NOW + timedelta(days=62)
    assert (await retain(services)).saved_queries == 1
    async with services.store.transaction() as repo:
        assert await repo.save_query("专利 审查", clock.now) != used  # saved anew


class FakeBot:
    """Records what sendMessage was asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    async def do_api_request(self, endpoint: str, parameters: dict[str, Any]) -> Any:
        self.sent.append((parameters["chat_id"], str(parameters["text"])))
        return {"message_id": len(self.sent)}


async def test_a_broadcast_text_is_stored_once_and_old_rows_stay_readable(
    services: Services,
) -> None:
    async with services.store.transaction() as repo:
        for chat_id in (1, 2):
            await repo.touch_chat(chat_id, "private", "zh", NOW)
    draft = await owner_tools.draft_broadcast(services, "Hello <all>", 42)
    assert draft is not None
    queued = await owner_tools.confirm_broadcast(services, draft.id)
    assert queued is not None
    assert queued.chats == 2
    async with services.store.transaction() as repo:
        rows = list(await repo.session.scalars(select(DeliveryRow).order_by(DeliveryRow.id)))
        assert [row.payload for row in rows] == [{"broadcast": draft.id}] * 2  # no copies
        # A row queued by the version before, with the text in it:
        repo.session.add(
            DeliveryRow(chat_id=1, local_date=NOW.date(), kind="broadcast:0", status=QUEUED,
                        payload={"broadcast": 0, "text": "older words"}, attempts=0,
                        planned_at=NOW, updated_at=NOW)
        )  # fmt: skip
    async with services.store.transaction() as repo:
        ids = list(await repo.session.scalars(select(DeliveryRow.id).order_by(DeliveryRow.id)))
        claims = await repo.claim_deliveries(ids, NOW)
    assert [claim.payload for claim in claims] == [
        BroadcastPayload(draft.id, "Hello <all>"),
        BroadcastPayload(draft.id, "Hello <all>"),
        BroadcastPayload(0, "older words"),
    ]
    bot = FakeBot()
    outcomes = [await send_claimed(services, bot, claim) for claim in claims]  # type: ignore[arg-type]
    assert [outcome.status for outcome in outcomes] == [SENT, SENT, SENT]
    assert bot.sent == [(1, "Hello &lt;all&gt;"), (2, "Hello &lt;all&gt;"), (1, "older words")]


async def test_retention_runs_at_start_up_and_daily(bot: BotDriver) -> None:
    job_queue = bot.application.job_queue
    assert job_queue is not None
    assert len(job_queue.get_jobs_by_name(RETENTION_JOB)) == 1  # daily
    services: Services = bot.application.bot_data.services
    for _ in range(100):  # the start-up run: it stamps what it finds
        async with services.store.transaction() as repo:
            stamped = await repo.session.scalar(
                select(func.count()).where(SavedQueryRow.last_used_at.is_(None))
            )
            if not job_queue.get_jobs_by_name(f"{RETENTION_JOB}-start-up"):
                break
        await asyncio.sleep(0.02)
    assert not job_queue.get_jobs_by_name(f"{RETENTION_JOB}-start-up")
    assert stamped == 0
