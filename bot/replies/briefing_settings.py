"""Answers about the daily briefing's settings, shared by /settime and friends and by the group
welcome's time buttons."""

from __future__ import annotations

from bot.clock import EVERY_DAY, WEEKENDS, WORKDAYS, weekday_numbers
from bot.i18n import Html, Translator
from bot.replies.answering import echo
from bot.usecases.briefing_settings import BriefingSettings, Outcome, SettingChange

NEXT_FORMAT = "%Y-%m-%d %H:%M"


def next_label(change: SettingChange | BriefingSettings) -> str:
    return "—" if change.next_local is None else change.next_local.strftime(NEXT_FORMAT)


def days_label(translate: Translator, language: str, weekdays: int) -> str:
    """The chosen weekdays as a sentence reads them: every day, on weekdays, on Mon, Thu."""
    mask = weekdays & EVERY_DAY or EVERY_DAY
    named = {EVERY_DAY: "every_day", WORKDAYS: "weekdays", WEEKENDS: "weekends"}.get(mask)
    if named is not None:
        return translate.plain(language, f"briefing_choices.{named}")
    names = translate.plain(language, "briefing_choices.day_names").split(",")
    separator = translate.plain(language, "briefing_choices.day_separator")
    days = separator.join(names[day] for day in weekday_numbers(mask))
    return translate.plain(language, "briefing_choices.listed", days=days)


def quiet_label(translate: Translator, language: str, quiet: bool) -> str:
    return translate.plain(language, f"briefing_choices.quiet_{'yes' if quiet else 'no'}")


def change_answer(
    translate: Translator, language: str, change: SettingChange, argument: str = ""
) -> Html:
    """The answer to a settings change; `argument` is what the user typed (quoted back when it
    names no zone, time, number or days we can read)."""
    values = {
        "time": change.time,
        "timezone": change.timezone,
        "days": days_label(translate, language, change.weekdays),
    }
    match change.outcome:
        case Outcome.TIME_SET:
            return translate(language, "settings.time_set", **values, next=next_label(change))
        case Outcome.TIME_USAGE if change.out_of_range:
            return translate(
                language,
                "briefing_choices.time_out_of_range",
                argument=echo(argument),
                time=change.time,
                timezone=change.timezone,
            )
        case Outcome.TIME_USAGE:
            return translate(language, "settings.time_usage", **values)
        case Outcome.TIMEZONE_SET:
            return translate(language, "settings.timezone_set", **values, next=next_label(change))
        case Outcome.TIMEZONE_USAGE:
            return translate(language, "settings.timezone_usage", **values)
        case Outcome.UNKNOWN_ZONE:
            answer = translate(language, "settings.timezone_unknown", zone=echo(argument))
            if not change.suggestions:
                return answer
            separator = translate.plain(language, "general.separator")
            names = separator.join(change.suggestions)
            hint = translate(language, "briefing_choices.timezone_suggest", names=names)
            return Html(f"{answer}\n{hint}")
        case Outcome.PAUSED:
            return translate(language, "settings.paused_now")
        case Outcome.ALREADY_PAUSED:
            return translate(language, "settings.already_paused")
        case Outcome.RESUMED:
            return translate(language, "settings.resumed", **values, next=next_label(change))
        case Outcome.ALREADY_ACTIVE:
            return translate(language, "settings.already_active", **values)
        case Outcome.QUIET_SET:
            key = "quiet_on_now" if change.quiet else "quiet_off_now"
            return translate(language, f"briefing_choices.{key}")
        case Outcome.QUIET_USAGE:
            state = quiet_label(translate, language, change.quiet)
            return translate(language, "briefing_choices.quiet_usage", state=state)
        case Outcome.ITEMS_SET:
            return translate(language, "briefing_choices.items_set", items=change.items)
        case Outcome.ITEMS_USAGE:
            return translate(language, "briefing_choices.items_usage", items=change.items)
        case Outcome.ITEMS_INVALID:
            return translate(
                language, "briefing_choices.items_invalid", argument=echo(argument),
                items=change.items,
            )  # fmt: skip
        case Outcome.DAYS_SET:
            return translate(language, "briefing_choices.days_set", **values,
                             next=next_label(change))  # fmt: skip
        case Outcome.DAYS_USAGE:
            return translate(language, "briefing_choices.days_usage", days=values["days"])
        case Outcome.DAYS_UNKNOWN:
            return translate(language, "briefing_choices.days_unknown", argument=echo(argument))
