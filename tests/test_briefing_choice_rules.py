"""The pure rules behind the briefing's choices: weekdays, zones by city, the passages a briefing
takes with /items, and undoing a choice."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.briefing import (
    BriefingPayload,
    Follow,
    ReadingState,
    compose,
    compose_undoable,
    payload_from_json,
    per_follow,
    undo,
)
from bot.clock import (
    EVERY_DAY,
    WEEKENDS,
    WORKDAYS,
    closest_timezones,
    next_occurrence,
    parse_timezone,
    parse_weekdays,
    time_out_of_range,
)

MON, THU = 0b0000001, 0b0001000


@pytest.mark.parametrize(
    ("text", "mask"),
    [("daily", EVERY_DAY), ("Every day", EVERY_DAY), ("每天", EVERY_DAY),
     ("weekdays", WORKDAYS), ("工作日", WORKDAYS), ("mon-fri", WORKDAYS), ("周一至周五", WORKDAYS),
     ("weekends", WEEKENDS), ("周末", WEEKENDS), ("mon,thu", MON | THU), ("Mon, Thu", MON | THU),
     ("MONDAY thursday", MON | THU), ("一,四", MON | THU), ("一、四", MON | THU),
     ("周一,周四", MON | THU), ("星期一，星期四", MON | THU), ("周一周四", MON | THU),
     ("ｍｏｎ", MON), ("1,4", MON | THU), ("sun", 0b1000000), ("周日", 0b1000000),
     ("fri-mon", 0b1110001), ("", None), ("someday", None), ("mon,funday", None), ("8", None),
     ("周八", None)],
)  # fmt: skip
def test_weekdays(text: str, mask: int | None) -> None:
    assert parse_weekdays(text) == mask


@pytest.mark.parametrize(
    ("text", "zone"),
    [("beijing", "Asia/Shanghai"), ("Beijing", "Asia/Shanghai"), ("北京", "Asia/Shanghai"),
     ("上海", "Asia/Shanghai"), ("东京", "Asia/Tokyo"), ("Tokyo", "Asia/Tokyo"),
     ("TOKYO", "Asia/Tokyo"), ("London", "Europe/London"), ("New York", "America/New_York"),
     ("new_york", "America/New_York"), ("NewYork", "America/New_York"),
     ("纽约", "America/New_York"), ("Berlin", "Europe/Berlin"), ("hong kong", "Asia/Hong_Kong"),
     ("singapore", "Asia/Singapore"), ("asia/tokyo", "Asia/Tokyo"), ("UTC+9", "UTC+09:00"),
     ("Mars/Olympus", None), ("Tokio", None)],
)  # fmt: skip
def test_zones_by_city(text: str, zone: str | None) -> None:
    assert parse_timezone(text) == zone


@pytest.mark.parametrize(
    ("text", "first"),
    [("Tokio", "Asia/Tokyo"), ("Europe/Berln", "Europe/Berlin"), ("Londn", "Europe/London"),
     ("Pekin", "Asia/Shanghai"), ("new yrok", "America/New_York")],
)  # fmt: skip
def test_the_closest_zones_to_a_name_we_do_not_know(text: str, first: str) -> None:
    near = closest_timezones(text)
    assert near[0] == first
    assert 1 <= len(near) <= 3


def test_no_hint_for_nonsense() -> None:
    assert closest_timezones("<b>") == ()
    assert closest_timezones("") == ()


def test_times_out_of_range() -> None:
    assert [time_out_of_range(t) for t in ("25:00", "8:61", "2400", "24", "08:30", "soon", "")] == [
        True, True, True, True, False, False, False,
    ]  # fmt: skip


def test_next_occurrence_on_chosen_days_across_daylight_saving() -> None:
    after = datetime(2026, 3, 26, 12, tzinfo=UTC)  # a Thursday, CET
    monday = next_occurrence(after, time(9), "Europe/Berlin", MON)
    assert monday == datetime(2026, 3, 30, 7, tzinfo=UTC)  # CEST by then: 09:00 is 07:00 UTC
    assert next_occurrence(monday, time(9), "Europe/Berlin", MON) == datetime(
        2026, 4, 6, 7, tzinfo=UTC
    )


def follow(key: str, *passages: str) -> Follow:
    return Follow(key, key, key, passages)


def test_the_default_takes_one_from_each_follow() -> None:
    assert [per_follow(n) for n in range(1, 11)] == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4]
    picks = compose([follow("a", "1.1", "1.2", "1.3")], ReadingState())
    assert [p.passage for p in picks] == ["1.1"]


def test_more_items_take_more_from_few_follows() -> None:
    follows = [follow("a", "1.1", "1.2", "1.3"), follow("b", "2.1")]
    picks = compose(follows, ReadingState(), limit=6)
    assert [p.passage for p in picks] == ["1.1", "2.1", "1.2"]  # b has no second passage
    assert [p.passage for p in compose(follows, ReadingState(), limit=1)] == ["1.1"]


def test_with_more_items_the_rotation_stays_fair() -> None:
    follows = [follow(f"t{i}", f"{i}.1", f"{i}.2", f"{i}.3") for i in range(1, 5)]
    state = ReadingState()
    days = [[p.follow_key for p in compose(follows, state, limit=6)] for _ in range(2)]
    # Four follows, two passages each would be eight: six a day, the extra turns rotate.
    assert days == [["t1", "t2", "t3", "t4", "t1", "t2"], ["t3", "t4", "t1", "t2", "t3", "t4"]]


def test_undo_gives_back_the_state_before_the_choice() -> None:
    follows = [follow("a", "1.1", "1.2"), follow("b", "1.2", "2.1"), follow("c", "3.1")]
    state = ReadingState()
    compose(follows, state, limit=2)  # an earlier day
    before = ReadingState(set(state.received), dict(state.cursors), state.rotation)
    picks, change = compose_undoable(follows, state, limit=2)
    assert picks
    assert state != before
    undo(state, change)
    assert state == before


def test_the_fallback_is_undone_too() -> None:
    state = ReadingState()
    picks, change = compose_undoable([follow("gone")], state, 3, [follow("all", "0.1", "1.1")])
    assert [p.passage for p in picks] == ["0.1"]
    undo(state, change)
    assert state == ReadingState()


def test_the_payload_keeps_its_undo_through_json() -> None:
    state = ReadingState({"0.1"}, {"a": (1, "0.1")}, 0)
    picks, change = compose_undoable([follow("a", "0.1", "1.1"), follow("b", "2.1")], state)
    payload = BriefingPayload("plan", tuple(picks), change)
    assert payload_from_json(payload.to_json()) == payload
    old = payload_from_json({"document": "plan", "picks": []})  # planned by an older version
    assert isinstance(old, BriefingPayload)
    assert old.undo is None
