"""Marking the push's sends in the ledger in small batches (group commit), as one claimer.

Writing each send's outcome in a transaction of its own cost about as much as the send itself
(issue 15: the push ran at a third of python-telegram-bot's bare rate). The writer keeps the
outcomes of finished sends and writes them together, MARKS_PER_COMMIT at a time or with the next
claim (one transaction for both); a sender that finds MAX_UNWRITTEN outcomes still unwritten
waits for a write before it adds its own, so a crash can duplicate at most

    CONCURRENCY (sends in flight) + MAX_UNWRITTEN (sent, not yet marked)

briefings (README: The guarantee). A row sent but not marked is still `sending` in the ledger and
is sent again after a restart; nothing else can be duplicated.

Every run of the push claims as one claimer (`<host>:<pid>:<random>`): a row is marked only while
that claimer still holds it, so a row another process took over after the lease (PostgreSQL)
keeps that process's outcome, and a long wait renews the lease of the rows it holds.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime

from bot.store import Store
from bot.store.repository import Claim, Mark

# Outcomes written together, unless a claim takes them along sooner; half of MAX_UNWRITTEN, so
# that one batch fills while the one before it is written. (Issue 15: 8 and 16 cost a commit
# every 7 messages, more than a tenth of the push's CPU.)
MARKS_PER_COMMIT = 11
MAX_UNWRITTEN = 22  # sent but not yet marked: part of the duplicate bound


def new_claimer() -> str:
    """A name for one push run of one process, unique across processes and restarts."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LedgerWriter:
    """The ledger's side of one push run: claims and outcomes, written in batches."""

    def __init__(
        self,
        store: Store,
        clock: Callable[[], datetime],
        claimer: str | None = None,
        marks_per_commit: int = MARKS_PER_COMMIT,
        max_unwritten: int = MAX_UNWRITTEN,
    ) -> None:
        self.store, self.clock = store, clock
        self.claimer = claimer or new_claimer()
        self.marks_per_commit, self.max_unwritten = marks_per_commit, max_unwritten
        self._pending: list[Mark] = []
        self._unwritten = 0  # pending + being written
        self._writing = asyncio.Lock()  # one write at a time: flush or claim
        self._waiters: list[asyncio.Future[None]] = []
        self.commits = 0

    async def mark(self, mark: Mark) -> None:
        """Record one send's outcome; written with the next batch. Waits while MAX_UNWRITTEN
        outcomes are unwritten (writing them itself when no one else is), so the duplicate
        bound holds."""
        while self._unwritten >= self.max_unwritten:
            if self._writing.locked():  # released, then every waiter is woken (_wake)
                waiter = asyncio.get_running_loop().create_future()
                self._waiters.append(waiter)
                await waiter
            else:
                await self.flush()
        self._pending.append(mark)
        self._unwritten += 1
        if len(self._pending) >= self.marks_per_commit and not self._writing.locked():
            await self.flush()

    async def flush(self) -> None:
        """Write every outcome recorded so far."""
        try:
            async with self._writing:
                while self._pending:
                    marks, self._pending = self._pending, []
                    try:
                        async with self.store.transaction() as repo:
                            await repo.finish_deliveries(marks, self.claimer)
                    finally:  # written, or lost with the transaction: no longer waited for
                        self._unwritten -= len(marks)
                        self.commits += 1
        finally:
            self._wake()

    async def claim(self, delivery_ids: list[int]) -> list[Claim]:
        """Claim rows for sending, writing the outcomes recorded so far in the same transaction
        (one round trip for both)."""
        try:
            async with self._writing:
                marks, self._pending = self._pending, []
                try:
                    async with self.store.transaction() as repo:
                        await repo.finish_deliveries(marks, self.claimer)
                        return await repo.claim_deliveries(delivery_ids, self.clock(), self.claimer)
                finally:
                    self._unwritten -= len(marks)
                    self.commits += 1
        finally:
            self._wake()

    async def renew(self, delivery_id: int) -> bool:
        """Renew the lease of a row before sending it after a long wait; whether it is still
        this claimer's to send."""
        async with self.store.transaction() as repo:
            held = await repo.renew_claims([delivery_id], self.claimer, self.clock())
        return delivery_id in held

    async def put_back(self, delivery_ids: list[int]) -> int:
        """Rows claimed but never sent (the push is stopping) go back to the queue."""
        await self.flush()
        if not delivery_ids:
            return 0
        async with self.store.transaction() as repo:
            return await repo.unclaim(delivery_ids, self.claimer, self.clock())

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
