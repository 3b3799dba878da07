"""An Application that tells when it has finished an update, so that a driver (the console, a
test) can wait for exactly that instead of sleeping and hoping."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update
from telegram.ext import Application


class TrackedApplication(Application[Any, Any, Any, Any, Any, Any]):
    """python-telegram-bot's Application, plus `wait_processed(update_id)`."""

    # Application uses __slots__; the subclass adds its own.
    __slots__ = ("_done", "_done_changed")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._done: set[int] = set()
        self._done_changed = asyncio.Condition()

    async def process_update(self, update: object) -> None:
        try:
            await super().process_update(update)
        finally:
            if isinstance(update, Update):
                async with self._done_changed:
                    self._done.add(update.update_id)
                    self._done_changed.notify_all()

    async def wait_processed(self, update_id: int, timeout: float = 30.0) -> None:
        """Return once every handler for the update has run (errors included)."""
        async with asyncio.timeout(timeout), self._done_changed:
            await self._done_changed.wait_for(lambda: update_id in self._done)
