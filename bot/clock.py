"""Times of day, time zones, the days of the week that get a briefing, and "when is this chat's
next briefing", right across daylight-saving changes. Pure functions over aware datetimes; the
current time is always passed in."""

from __future__ import annotations

import difflib
import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DEFAULT_BRIEFING_TIME = time(9, 0)
# The days that get a briefing, as a mask: bit 0 is Monday … bit 6 Sunday (date.weekday()).
EVERY_DAY = 0b1111111
WORKDAYS = 0b0011111
WEEKENDS = 0b1100000
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


def time_out_of_range(text: str) -> bool:
    """Whether the text is written like a time (`25:00`, `8:61`, `2400`) but names none: worth
    an explanation (hours 0–23, minutes 0–59) rather than only the usage line."""
    match = _TIME.match(unicodedata.normalize("NFKC", text).strip().lower())
    if match is None:
        return False
    return int(match.group("hour")) > 23 or int(match.group("minute") or 0) > 59


def format_time_of_day(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


# Places people name that are not (or not spelt as) the city part of an IANA zone.
CITY_ALIASES = {
    "beijing": "Asia/Shanghai", "peking": "Asia/Shanghai", "北京": "Asia/Shanghai",
    "上海": "Asia/Shanghai", "中国": "Asia/Shanghai", "china": "Asia/Shanghai",
    "guangzhou": "Asia/Shanghai", "广州": "Asia/Shanghai", "shenzhen": "Asia/Shanghai",
    "深圳": "Asia/Shanghai", "杭州": "Asia/Shanghai", "hangzhou": "Asia/Shanghai",
    "南京": "Asia/Shanghai", "nanjing": "Asia/Shanghai", "天津": "Asia/Shanghai",
    "tianjin": "Asia/Shanghai", "重庆": "Asia/Shanghai", "成都": "Asia/Shanghai",
    "chengdu": "Asia/Shanghai", "武汉": "Asia/Shanghai", "wuhan": "Asia/Shanghai",
    "西安": "Asia/Shanghai", "xian": "Asia/Shanghai", "香港": "Asia/Hong_Kong",
    "澳门": "Asia/Macau", "台北": "Asia/Taipei", "东京": "Asia/Tokyo", "日本": "Asia/Tokyo",
    "japan": "Asia/Tokyo", "首尔": "Asia/Seoul", "韩国": "Asia/Seoul", "korea": "Asia/Seoul",
    "新加坡": "Asia/Singapore", "曼谷": "Asia/Bangkok", "迪拜": "Asia/Dubai",
    "新德里": "Asia/Kolkata", "newdelhi": "Asia/Kolkata", "delhi": "Asia/Kolkata",
    "mumbai": "Asia/Kolkata", "bombay": "Asia/Kolkata", "india": "Asia/Kolkata",
    "伦敦": "Europe/London", "英国": "Europe/London", "uk": "Europe/London",
    "巴黎": "Europe/Paris", "柏林": "Europe/Berlin", "慕尼黑": "Europe/Berlin",
    "munich": "Europe/Berlin", "日内瓦": "Europe/Zurich", "geneva": "Europe/Zurich",
    "莫斯科": "Europe/Moscow", "纽约": "America/New_York", "nyc": "America/New_York",
    "华盛顿": "America/New_York", "washington": "America/New_York",
    "washingtondc": "America/New_York", "boston": "America/New_York",
    "芝加哥": "America/Chicago", "洛杉矶": "America/Los_Angeles", "旧金山": "America/Los_Angeles",
    "sanfrancisco": "America/Los_Angeles", "seattle": "America/Los_Angeles",
    "硅谷": "America/Los_Angeles", "多伦多": "America/Toronto", "温哥华": "America/Vancouver",
    "悉尼": "Australia/Sydney", "墨尔本": "Australia/Melbourne",
}  # fmt: skip


def _squeezed(text: str) -> str:
    """A place name compared loosely: case, width, blanks, `_` and `-` ignored."""
    return re.sub(r"[\s_\-]+", "", unicodedata.normalize("NFKC", text).lower())


@lru_cache(maxsize=1)
def _cities() -> dict[str, str]:
    """The city part of every IANA zone (`new_york` → America/New_York), squeezed; where two
    zones share one, the shorter (then the first) name wins. Etc/ and the legacy aliases of a
    whole country (`US/Pacific`) have no city part."""
    cities: dict[str, str] = {}
    for name in sorted(available_timezones(), key=lambda n: (n.count("/"), n)):
        if "/" not in name or name.startswith(("Etc/", "SystemV/", "US/", "Canada/", "Mexico/")):
            continue
        cities.setdefault(_squeezed(name.rsplit("/", 1)[1]), name)
    return cities


def parse_timezone(text: str) -> str | None:
    """The canonical name of a zone the user typed: an IANA name in any case (`asia/tokyo`), a
    city (`Tokyo`, `new york`, `东京`, `Beijing` → Asia/Shanghai), or a fixed offset (`UTC+9`,
    `+05:30`, `GMT-3`) written back as `UTC+09:00`. None if unknown."""
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
    exact = _zone_names().get(cleaned.lower())
    if exact is not None and "/" in exact:
        return exact
    # A city before a legacy name without an area (`Singapore`, `Hongkong`, `Japan`).
    squeezed = _squeezed(cleaned)
    return CITY_ALIASES.get(squeezed) or _cities().get(squeezed) or exact


def closest_timezones(text: str, limit: int = 3) -> tuple[str, ...]:
    """IANA names near what the user typed (`Tokio` → Asia/Tokyo, `Europe/Berln` →
    Europe/Berlin), nearest first: a hint for a name `parse_timezone` does not know."""
    squeezed = _squeezed(text)
    if not squeezed:
        return ()
    cities = _cities()
    names = {_squeezed(name): name for name in _zone_names().values() if "/" in name}
    found: list[str] = []
    for pool in (names, cities, CITY_ALIASES):
        for near in difflib.get_close_matches(squeezed, list(pool), n=limit, cutoff=0.75):
            if pool[near] not in found:
                found.append(pool[near])
    if not found:  # nothing close: what is least far
        for near in difflib.get_close_matches(squeezed, list(cities), n=limit, cutoff=0.6):
            if cities[near] not in found:
                found.append(cities[near])
    return tuple(found[:limit])


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


def next_occurrence(
    after: datetime, at: time, zone_name: str, weekdays: int = EVERY_DAY
) -> datetime:
    """The first instant strictly after `after` at which the local clock in the zone reads `at`,
    on one of `weekdays` (a mask, see below; every day by default)."""
    weekdays = weekdays & EVERY_DAY or EVERY_DAY
    day = local_date(after, zone_name)
    for offset in range(10):
        candidate_day = day + timedelta(days=offset)
        if not weekdays & (1 << candidate_day.weekday()):
            continue
        candidate = occurrence(candidate_day, at, zone_name)
        if candidate > after:
            return candidate
    raise AssertionError("a local time on a chosen weekday recurs within ten days")


# --- the days of the week that get a briefing -------------------------------------------------

_DAY_WORDS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "weds": 2,
    "wednesday": 2, "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
    "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6,
}  # fmt: skip
_CHINESE_DAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_DAY_SETS = {
    "daily": EVERY_DAY, "everyday": EVERY_DAY, "all": EVERY_DAY, "每天": EVERY_DAY,
    "每日": EVERY_DAY, "天天": EVERY_DAY, "全部": EVERY_DAY,
    "weekdays": WORKDAYS, "weekday": WORKDAYS, "workdays": WORKDAYS, "workday": WORKDAYS,
    "工作日": WORKDAYS, "周一至周五": WORKDAYS,
    "weekends": WEEKENDS, "weekend": WEEKENDS, "周末": WEEKENDS,
}  # fmt: skip
_DAY_SEPARATORS = re.compile(r"[\s,，、;；/]+")
_DAY_RANGE = re.compile(r"^(?P<first>[^~\-–至到]+)[~\-–至到](?P<last>[^~\-–至到]+)$")


def _one_day(token: str) -> int | None:
    if token in _DAY_WORDS:
        return _DAY_WORDS[token]
    for prefix in ("星期", "礼拜", "周"):
        token = token.removeprefix(prefix)
    return _CHINESE_DAYS.get(token)


def _days_in(token: str) -> int | None:
    """One token: a day (`mon`, `周一`, `一`), a range (`mon-fri`, `周一至周五`), a run of
    Chinese days (`一四`, `周一周四`), or a named set; its mask, None if it is none of them."""
    if token in _DAY_SETS:
        return _DAY_SETS[token]
    day = _one_day(token)
    if day is not None:
        return 1 << day
    span = _DAY_RANGE.match(token)
    if span:
        first, last = _one_day(span.group("first")), _one_day(span.group("last"))
        if first is None or last is None:
            return None
        days = range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
        return sum(1 << d for d in days)
    chinese = re.sub("星期|礼拜|周", "", token)
    if chinese and all(ch in _CHINESE_DAYS for ch in chinese):
        return sum({1 << _CHINESE_DAYS[ch] for ch in chinese})
    return None


def parse_weekdays(text: str) -> int | None:
    """`daily`, `weekdays`, `weekends`, `mon,thu`, `mon-fri`, `一,四`, `周一,周四`, `周一至周五`,
    `每天`, `工作日` … (any case and width, separated by blanks, commas or 、) → a mask; None for
    anything else, or for no day at all."""
    cleaned = unicodedata.normalize("NFKC", text).strip().lower()
    if cleaned.replace(" ", "") in _DAY_SETS:
        return _DAY_SETS[cleaned.replace(" ", "")]
    mask = 0
    for token in _DAY_SEPARATORS.split(cleaned):
        if not token:
            continue
        days = _days_in(token)
        if days is None:
            return None
        mask |= days
    return mask or None


def weekday_numbers(mask: int) -> tuple[int, ...]:
    """The weekdays of a mask, Monday (0) first."""
    return tuple(day for day in range(7) if mask & (1 << day))


def is_chosen_day(day: date, mask: int) -> bool:
    return bool((mask or EVERY_DAY) & (1 << day.weekday()))
