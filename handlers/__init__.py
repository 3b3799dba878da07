"""Handlers, one module per thing a user does. Each module exposes `build_handlers()`; this
package registers them all and names the commands of the menu (setMyCommands)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from telegram.ext import Application, CommandHandler, filters

from handlers import (
    chat_resolution,
    documents,
    errors,
    fallbacks,
    flood,
    history,
    language,
    leaving,
    library_import,
    membership,
    owner,
    schedule,
    search,
    sections,
    start,
    subscriptions,
    topics,
)

# The command menu, in order; descriptions come from the message catalogue (menu.<name>).
# Everyone sees the reading commands; settings commands show where one may use them (private
# chats, group admins); owner commands only in the owners' own chats.
READING = (
    "start",
    "help",
    "sections",
    "section",
    "documents",
    "compare",
    "topics",
    "topic",
    "search",
    "today",
    "mysubs",
    "history",
)
SETTINGS = (
    "subscribe",
    "unsubscribe",
    "settings",
    "settime",
    "timezone",
    "pause",
    "resume",
    "quiet",
    "items",
    "days",
    "lang",
    "stop",
)
OWNER = ("stats", "broadcast", "reload", "import")
MENU = READING + SETTINGS

FLOOD_GROUP, RESOLVE_GROUP = -2, -1  # before the handlers' own group 0, in this order

# In this order; the owner's commands come after, then the fallbacks, which take what is left.
_MODULES = (
    start, sections, documents, topics, subscriptions, search, schedule, language, membership,
    leaving, history,
)  # fmt: skip


def register_handlers(
    application: Application[Any, Any, Any, Any, Any, Any],
    flood_gate: flood.FloodGate | None,
    owner_ids: Collection[int],
) -> None:
    """`owner_ids` (OWNER_IDS) may use the owner's commands, in private chats only, and get the
    error reports. To anyone else, and in groups, those commands fall through to the fallbacks,
    as commands we do not have; with no owners at all, filters.User of nobody lets nothing
    through."""
    owners = filters.User(user_id=owner_ids)
    handlers = [
        *(handler for module in _MODULES for handler in module.build_handlers()),
        *owner.build_handlers(owners),
        *library_import.build_handlers(owners),
        *fallbacks.build_handlers(),
    ]
    commands = {name for h in handlers if isinstance(h, CommandHandler) for name in h.commands}
    if flood_gate is not None:  # first of all: dropping a flooder's update costs microseconds
        application.add_handler(flood.build_handler(flood_gate), group=FLOOD_GROUP)
    application.add_handler(chat_resolution.build_handler(commands), group=RESOLVE_GROUP)
    application.add_handlers(handlers)
    application.add_error_handler(errors.build_error_handler(owner_ids))
