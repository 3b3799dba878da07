"""Bring the store in line with content/: re-import only when the files' hash changed."""

from __future__ import annotations

import logging

from bot.store.database import Store
from content.library import Library

logger = logging.getLogger(__name__)


async def sync_content(store: Store, library: Library) -> bool:
    """Import the library if the stored hash differs; True when it did. One transaction, so a
    crash half-way leaves the previous content whole."""
    async with store.transaction() as repo:
        if await repo.stored_content_hash() == library.content_hash:
            return False
        await repo.replace_content(library)
    logger.info("content imported (hash %s)", library.content_hash[:12])
    return True
