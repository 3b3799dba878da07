"""Persistence: models, the engine with SQLite's pragmas, and the repository handlers use."""

from bot.store.database import Store
from bot.store.repository import Repository

__all__ = ["Repository", "Store"]
