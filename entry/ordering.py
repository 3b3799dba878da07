"""Updates of different chats at once, the updates of one chat in the order they came.

python-telegram-bot handles one update at a time by default, so one chat's slow call (or a 429
wait in the rate limiter) stalls every other chat. `concurrent_updates(True)` alone would let two
taps of one chat race. This processor keys updates by chat: a lock per chat keeps that chat's
updates in arrival order, and a semaphore taken *after* the chat's lock bounds the work running
at once, so updates queued behind one busy chat hold no slot that another chat could use."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

RUNNING_AT_ONCE = 16  # handlers running concurrently; the rest wait for a slot
# What PTB's own semaphore admits: waiting behind a chat's lock must not count against the
# chats that could run, so the real bound is RUNNING_AT_ONCE inside do_process_update.
ADMITTED_AT_ONCE = 10_000


def ordering_key(update: object) -> int | None:
    """The chat whose order an update belongs to; for updates without a chat (inline queries,
    buttons under inline messages) the user's; None for anything else."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Concurrent across chats, in order within a chat. Locks of idle chats are dropped."""

    def __init__(self, running_at_once: int = RUNNING_AT_ONCE) -> None:
        super().__init__(max_concurrent_updates=ADMITTED_AT_ONCE)
        self._running = asyncio.BoundedSemaphore(running_at_once)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}  # key → updates holding or waiting for its lock

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = ordering_key(update)
        if key is None:
            async with self._running:
                await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock, self._running:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # nobody else holds or waits: forget the chat
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to open: locks are made on demand."""

    async def shutdown(self) -> None:
        """Nothing to close: the Application waits for running updates itself."""
