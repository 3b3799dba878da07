"""Handlers, one module per thing a user does. Each module exposes `build_handlers()`; this
package registers them all and names the commands of the menu (setMyCommands)."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from handlers import (
    errors,
    fallbacks,
    membership,
    schedule,
    search,
    sections,
    start,
    subscriptions,
    topics,
)

# The command menu, in order; descriptions come from the message catalogue (menu.<name>).
MENU = (
    "start",
    "help",
    "sections",
    "section",
    "topics",
    "topic",
    "search",
    "subscribe",
    "unsubscribe",
    "mysubs",
    "today",
    "settings",
    "settime",
    "timezone",
    "pause",
    "resume",
)

# fallbacks last: they take what the others leave
_MODULES = (start, sections, topics, subscriptions, search, schedule, membership, fallbacks)


def register_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    for module in _MODULES:
        application.add_handlers(module.build_handlers())
    application.add_error_handler(errors.report_error)
