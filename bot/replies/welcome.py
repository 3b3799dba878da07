"""The welcome's setup buttons: pick topics, keep the briefing's time or choose another. Callback
data is Action.ONBOARDING's (`onb:topics`, `onb:keep`, `onb:time:HHMM`), whichever welcome they
sit under: a group's (handlers/membership.py) or a private chat's /start (handlers/start.py)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Action, Callback
from bot.i18n import Translator

TIME_CHOICES = ("07:00", "08:00", "12:00", "18:00")  # as the group welcome offers them
KEEP, TOPICS, TIME_PREFIX = "keep", "topics", "time:"


def time_argument(time: str) -> str:
    """`08:30` → `time:0830`."""
    return f"{TIME_PREFIX}{time.replace(':', '')}"


def chosen_time(argument: str) -> str | None:
    """The time a button asks for: `keep` is the default 09:00, `time:0830` is 08:30 (the
    briefing settings read it, and refuse what is not a time); None for anything else."""
    if argument == KEEP:
        return "09:00"
    if argument.startswith(TIME_PREFIX) and len(argument) == len(TIME_PREFIX) + 4:
        digits = argument[len(TIME_PREFIX) :]
        return f"{digits[:2]}:{digits[2:]}"
    return None


def setup_keyboard(
    translate: Translator, language: str, current: str | None = None
) -> InlineKeyboardMarkup:
    """📚 pick topics; ✅ keep the time; the other times. `current`: the chat's time, which the
    keep button names (and keeps); None for a new group, whose time is the default 09:00."""

    def button(label: str, argument: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            label, callback_data=Callback(Action.ONBOARDING, argument).encode()
        )

    if current is None:
        keep = button(translate.plain(language, "welcome.keep_time"), KEEP)
    else:
        keep = button(
            translate.plain(language, "start.keep_time", time=current), time_argument(current)
        )
    return InlineKeyboardMarkup(
        [
            [button(translate.plain(language, "welcome.pick_topics"), TOPICS)],
            [keep],
            [button(t, time_argument(t)) for t in TIME_CHOICES if t != current],
        ]
    )
