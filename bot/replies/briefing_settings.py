"""Answers about the daily briefing's settings, shared by /settime and friends and by the group
welcome's time buttons."""

from __future__ import annotations

from bot.i18n import Html, Translator
from bot.replies.answering import echo
from bot.usecases.briefing_settings import BriefingSettings, Outcome, SettingChange

NEXT_FORMAT = "%Y-%m-%d %H:%M"


def next_label(change: SettingChange | BriefingSettings) -> str:
    return "—" if change.next_local is None else change.next_local.strftime(NEXT_FORMAT)


def change_answer(
    translate: Translator, language: str, change: SettingChange, argument: str = ""
) -> Html:
    """The answer to a settings change; `argument` is what the user typed (quoted back when it
    names no zone we know)."""
    values = {"time": change.time, "timezone": change.timezone}
    match change.outcome:
        case Outcome.TIME_SET:
            return translate(language, "settings.time_set", **values, next=next_label(change))
        case Outcome.TIME_USAGE:
            return translate(language, "settings.time_usage", **values)
        case Outcome.TIMEZONE_SET:
            return translate(language, "settings.timezone_set", **values, next=next_label(change))
        case Outcome.TIMEZONE_USAGE:
            return translate(language, "settings.timezone_usage", **values)
        case Outcome.UNKNOWN_ZONE:
            return translate(language, "settings.timezone_unknown", zone=echo(argument))
        case Outcome.PAUSED:
            return translate(language, "settings.paused_now")
        case Outcome.ALREADY_PAUSED:
            return translate(language, "settings.already_paused")
        case Outcome.RESUMED:
            return translate(language, "settings.resumed", **values, next=next_label(change))
        case Outcome.ALREADY_ACTIVE:
            return translate(language, "settings.already_active", **values)
