"""Handlers, one module per thing a user does. Each module exposes `build_handlers()`; this
package registers them all and names the commands of the menu (setMyCommands)."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from handlers import (
    errors,
    fallbacks,
    flood,
    language,
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
READING = ("start", "help", "sections", "section", "topics", "topic", "search", "today", "mysubs")
SETTINGS = (
    "subscribe",
    "unsubscribe",
    "settings",
    "settime",
    "timezone",
    "pause",
    "resume",
    "lang",
)
OWNER = ("stats", "broadcast", "reload")
MENU = READING + SETTINGS

# fallbacks last: they take what the others leave
_MODULES = (
    start, sections, topics, subscriptions, search, schedule, language, membership, owner,
    fallbacks,
)  # fmt: skip


def register_handlers(
    application: Application[Any, Any, Any, Any, Any, Any],
    flood_gate: flood.FloodGate | None,
) -> None:
    if flood_gate is not None:
        application.add_handler(flood.build_handler(flood_gate), group=-1)  # before all else
    for module in _MODULES:
        application.add_handlers(module.build_handlers())
    application.add_error_handler(errors.report_error)
