"""The push's ledger side (issues 15 and 17): sends claimed just ahead of sending, outcomes marked
in batches, and a claimer that owns what it claimed. Several processes on one PostgreSQL database
must never overwrite each other's outcomes: a sender held past its 10-minute lease (a long 429
wait, a connect timeout) neither sends a row another process took over nor marks it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from telegram.error import RetryAfter

from bot.config import Settings
from bot.ledger_writer import MAX_UNWRITTEN, LedgerWriter
from bot.scheduler import CLAIM_AT_ONCE, CONCURRENCY, SENDING_LEASE, push
from bot.services import Services
from bot.store.models import DeliveryRow
from bot.store.repository import FAILED, QUEUED, SENDING, SENT, Mark
from tests.support.clock import Clock
from tests.support.services import opened_services

BACKENDS = ("sqlite", "postgresql")
NOW = datetime(2026, 11, 25, 1, tzinfo=UTC)


async def _queued_broadcast(services: Services, chat_id: int = 1) -> int:
    async with services.store.transaction() as repo:
        await repo.touch_chat(chat_id, "private", "zh", NOW)
        row = DeliveryRow(
            chat_id=chat_id, local_date=NOW.date(), kind="broadcast:0", status=QUEUED,
            payload={"broadcast": 0, "text": "hello"}, attempts=0, planned_at=NOW,
            updated_at=NOW,
        )  # fmt: skip
        repo.session.add(row)
        await repo.session.flush()
        return row.id


async def _row(services: Services, row_id: int) -> tuple[str, int | None, str | None]:
    async with services.store.transaction() as repo:
        row = await repo.session.get(DeliveryRow, row_id)
        assert row is not None
        return row.status, row.message_id, row.claimed_by


async def test_a_sender_past_its_lease_neither_sends_nor_overwrites_the_new_holder(
    settings: Settings, database_url: str
) -> None:
    async with opened_services(settings, database_url, Clock(NOW)) as services:
        row_id = await _queued_broadcast(services)
        first = LedgerWriter(services.store, lambda: NOW, claimer="first")
        [claim] = await first.claim([row_id])
        assert claim.delivery_id == row_id
        assert await _row(services, row_id) == (SENDING, None, "first")

        # The first sender is held (Telegram's 429s, a connect timeout) past the lease; another
        # process releases the row and sends it.
        later = NOW + SENDING_LEASE + timedelta(minutes=1)
        async with services.store.transaction() as repo:
            assert await repo.release_interrupted_sends(later, later - SENDING_LEASE) == 1
        second = LedgerWriter(services.store, lambda: later, claimer="second")
        assert [c.delivery_id for c in await second.claim([row_id])] == [row_id]
        await second.mark(Mark(row_id, SENT, later, message_id=2))
        await second.flush()

        # The first comes back: the row is not its to send any more, nor to mark.
        assert not await first.renew(row_id)
        await first.mark(Mark(row_id, FAILED, later, error="timeouts"))
        await first.flush()
        assert await _row(services, row_id) == (SENT, 2, "second")


async def test_a_sender_renews_the_lease_of_a_row_it_still_holds(
    settings: Settings, database_url: str
) -> None:
    async with opened_services(settings, database_url, Clock(NOW)) as services:
        row_id = await _queued_broadcast(services)
        later = NOW + SENDING_LEASE - timedelta(minutes=1)
        writer = LedgerWriter(services.store, lambda: later, claimer="only")
        await writer.claim([row_id])
        assert await writer.renew(row_id)
        # Renewed at `later`: another process's start-up does not take it a minute after NOW's
        # lease would have run out.
        check = NOW + SENDING_LEASE + timedelta(minutes=1)
        async with services.store.transaction() as repo:
            assert await repo.release_interrupted_sends(check, check - SENDING_LEASE) == 0


class CountingBot:
    """Answers every send at once and notes how many rows are claimed (`sending`) meanwhile."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.sends = 0
        self.most_claimed = 0

    async def do_api_request(self, endpoint: str, parameters: dict[str, Any]) -> Any:
        assert endpoint.lower() == "sendmessage"
        self.sends += 1
        async with self.services.store.transaction() as repo:
            claimed = await repo.session.scalar(
                select(func.count()).select_from(DeliveryRow).where(DeliveryRow.status == SENDING)
            )
        self.most_claimed = max(self.most_claimed, int(claimed or 0))
        return {"message_id": self.sends}


async def test_the_push_claims_only_just_ahead_of_its_sends_and_marks_in_batches(
    settings: Settings, database_url: str
) -> None:
    chats = 200
    async with opened_services(settings, database_url, Clock(NOW)) as services:
        async with services.store.transaction() as repo:
            for chat_id in range(1, chats + 1):
                await repo.touch_chat(chat_id, "private", "zh", NOW)
                await repo.add_schedule(chat_id, "09:00", "Asia/Shanghai", NOW)
        bot = CountingBot(services)
        report = await push(services, bot, NOW, wait=True)  # type: ignore[arg-type]
        assert report.outcomes == {"sent": chats}
        # Claimed: a queue of CLAIM_AT_ONCE (and the next claim waiting to join it), the sends
        # in flight and those sent but not yet marked; never the whole page of 500.
        assert bot.most_claimed <= 2 * CLAIM_AT_ONCE + CONCURRENCY + MAX_UNWRITTEN < chats
        # Marked in batches: far fewer transactions than sends.
        assert report.commits <= chats // 4
        async with services.store.transaction() as repo:
            statuses = await repo.delivery_counts(NOW.date() + timedelta(days=0))
        assert statuses == {SENT: chats}


class RateLimitedOnce:
    """Telegram answers the first send with 429 (retry after two minutes), then accepts."""

    def __init__(self) -> None:
        self.sent: list[int] = []
        self.refused = False

    async def do_api_request(self, endpoint: str, parameters: dict[str, Any]) -> Any:
        if not self.refused:
            self.refused = True
            raise RetryAfter(120)
        self.sent.append(parameters["chat_id"])
        return {"message_id": len(self.sent)}


async def test_a_push_held_by_a_long_429_does_not_send_a_row_taken_over_meanwhile(
    settings: Settings, database_url: str
) -> None:
    async with opened_services(settings, database_url, Clock(NOW)) as services:
        row_id = await _queued_broadcast(services)
        async with services.store.transaction() as repo:  # the push sends to scheduled chats
            await repo.add_schedule(1, "09:00", "Asia/Shanghai", NOW + timedelta(days=1))
        later = NOW + SENDING_LEASE + timedelta(minutes=1)

        monotonic = [0.0]
        waits: list[float] = []

        async def two_minutes_pass(seconds: float) -> None:
            # While this process waits out Telegram's 429, its lease runs out and another
            # process takes the row over.
            waits.append(seconds)
            monotonic[0] += seconds
            async with services.store.transaction() as repo:
                assert await repo.release_interrupted_sends(later, later - SENDING_LEASE) == 1
            await LedgerWriter(services.store, lambda: later, claimer="other").claim([row_id])

        bot = RateLimitedOnce()
        report = await push(
            services, bot, NOW, wait=True,  # type: ignore[arg-type]
            timer=lambda: monotonic[0], sleep=two_minutes_pass, claimer="first",
        )  # fmt: skip
        assert waits == [120.0]  # Telegram's retry_after, waited once
        assert bot.refused
        assert bot.sent == []  # not sent a second time by the process that lost it
        assert report.outcomes == {"skipped": 1}
        assert await _row(services, row_id) == (SENDING, None, "other")  # the other's to finish
