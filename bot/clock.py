"""Times of day, time zones and "when is this chat's next briefing", right across daylight-saving
changes. Pure functions over aware datetimes; the current time is always passed in."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DEFAULT_BRIEFING_TIME = time(9, 0)
_TIME = re.compile(r"^(?P<hour>\d{1,2})(?:[:：.h]?(?P<minute>\d{2}))?$")
_OFFSET = re.compile(r"^(?:utc|gmt)?(?P<sign>[+-])(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?$")


def parse_time_of_day(text: str) -> time | None:
    """`08:30`, `8:30`, `0830`, `8.30`, `８：３０`, `20` → a time; None for anything else."""
    match = _TIME.match(unicodedata.normalize("NFKC", text).strip().lower())
    if not match:
        return None
    hour, minute = int(match.group("hour")), int(match.group("minute") or 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def format_time_of_day(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def parse_timezone(text: str) -> str | None:
    """The canonical name of a zone the user typed: an IANA name in any case (`asia/tokyo`), or a
    fixed offset (`UTC+9`, `+05:30`, `GMT-3`) written back as `UTC+09:00`. None if unknown."""
    cleaned = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if not cleaned:
        return None
    offset = _OFFSET.match(cleaned.lower())
    if offset:
        hours, minutes = int(offset.group("hours")), int(offset.group("minutes") or 0)
        if hours > 14 or minutes > 59 or (hours == 14 and minutes):
            return None
        return f"UTC{offset.group('sign')}{hours:02d}:{minutes:02d}"
    if cleaned.lower() in {"utc", "gmt", "z"}:
        return "UTC"
    return _zone_names().get(cleaned.lower())


@lru_cache(maxsize=1024)
def zone(name: str) -> tzinfo:
    """The tzinfo for a name `parse_timezone` returned (fixed offsets included)."""
    offset = _OFFSET.match(name.lower())
    if offset and name.upper().startswith("UTC") and len(name) > 3:
        delta = timedelta(
            hours=int(offset.group("hours")), minutes=int(offset.group("minutes") or 0)
        )
        return timezone(delta if offset.group("sign") == "+" else -delta, name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def local_date(moment: datetime, zone_name: str) -> date:
    return moment.astimezone(zone(zone_name)).date()


def occurrence(day: date, at: time, zone_name: str) -> datetime:
    """The UTC instant of local `at` on local `day`. A time that a spring-forward skips is taken
    an hour later (as the clock reads then); a repeated autumn time is its first occurrence."""
    local = datetime.combine(day, at, tzinfo=zone(zone_name))
    return local.astimezone(UTC)


def next_occurrence(after: datetime, at: time, zone_name: str) -> datetime:
    """The first instant strictly after `after` at which the local clock in the zone reads `at`."""
    day = local_date(after, zone_name)
    for offset in range(3):
        candidate = occurrence(day + timedelta(days=offset), at, zone_name)
        if candidate > after:
            return candidate
    raise AssertionError("a local time recurs within three days")
