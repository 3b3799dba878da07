"""The pure rules of the daily briefing: rotation, rounds, the reading plan, and local time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.briefing import ContentIndex, Follow, ReadingState, compose
from bot.clock import (
    local_date,
    next_occurrence,
    occurrence,
    parse_time_of_day,
    parse_timezone,
    zone,
)
from content.library import Library


def follow(key: str, *passages: str) -> Follow:
    return Follow(key, key, key, passages)


def test_one_passage_per_follow_at_most_three_rotating_fairly() -> None:
    follows = [follow(f"t{i}", f"{i}.1", f"{i}.2") for i in range(1, 6)]
    state = ReadingState()
    days = [[p.follow_key for p in compose(follows, state)] for _ in range(4)]
    assert days == [
        ["t1", "t2", "t3"],
        ["t4", "t5", "t1"],
        ["t2", "t3", "t4"],
        ["t5", "t1", "t2"],
    ]
    assert state.cursors["t1"] == (2, "1.1")  # t1 came three times: 1.1, 1.2, then 1.1 again


def test_a_topic_that_runs_out_starts_round_two() -> None:
    topics = [follow("olympics", "3.14")]
    state = ReadingState()
    first, second = compose(topics, state), compose(topics, state)
    assert [(p.passage, p.round) for p in first] == [("3.14", 1)]
    assert [(p.passage, p.round) for p in second] == [("3.14", 2)]
    assert state.cursors["olympics"] == (2, "3.14")


def test_passages_received_through_another_topic_are_skipped_in_round_one() -> None:
    state = ReadingState()
    compose([follow("a", "4.7")], state)
    picks = compose([follow("a", "4.7", "7.1"), follow("b", "4.7", "4.9")], state)
    assert [p.passage for p in picks] == ["7.1", "4.9"]


def test_one_briefing_never_repeats_a_passage() -> None:
    picks = compose(
        [follow("a", "1.1"), follow("b", "1.1"), follow("c", "1.1", "1.2")], ReadingState()
    )
    assert [p.passage for p in picks] == ["1.1", "1.2"]


def test_no_topics_reads_the_whole_document_in_order(library: Library) -> None:
    index = ContentIndex(library.primary.document, library.catalog)
    plan = index.follows(())
    state = ReadingState()
    days = [compose(plan, state)[0].passage for _ in range(3)]
    assert days == ["0.1", "1.1", "1.2"]


def test_keywords_follow_the_passages_containing_them(library: Library) -> None:
    index = ContentIndex(library.primary.document, library.catalog)
    [keyword] = index.follows([("keyword", "乡村振兴", "乡村振兴")])
    assert keyword.passages == ("5.11",)
    [hague] = index.follows([("topic", "hague", "海牙协定")])
    assert hague.passages == ("4.7", "7.1")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("08:30", time(8, 30)), ("8:30", time(8, 30)), ("0830", time(8, 30)), ("20", time(20)),
     ("８：３０", time(8, 30)), ("23:59", time(23, 59)), ("24:00", None), ("7:60", None),
     ("", None), ("noon", None), ("8:3", None)],
)  # fmt: skip
def test_times_of_day(text: str, expected: time | None) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Asia/Tokyo", "Asia/Tokyo"), ("asia/tokyo", "Asia/Tokyo"), ("UTC+9", "UTC+09:00"),
     ("UTC-3:30", "UTC-03:30"), ("+05:30", "UTC+05:30"), ("GMT+8", "UTC+08:00"), ("utc", "UTC"),
     ("UTC+15", None), ("Mars/Olympus", None), ("", None), ("<b>", None)],
)  # fmt: skip
def test_time_zones(text: str, expected: str | None) -> None:
    assert parse_timezone(text) == expected


def test_fixed_offsets_are_real_zones() -> None:
    moment = datetime(2026, 1, 1, 0, 30, tzinfo=UTC)
    assert local_date(moment, "UTC-03:30") == date(2025, 12, 31)
    assert zone("UTC+09:00").utcoffset(moment).total_seconds() == 9 * 3600  # type: ignore[union-attr]


def test_berlin_nine_oclock_across_both_daylight_saving_changes() -> None:
    berlin, nine = "Europe/Berlin", time(9)
    # Sunday 29 March 2026: clocks go forward; 09:00 is 08:00 UTC before, 07:00 UTC from then on.
    assert occurrence(date(2026, 3, 28), nine, berlin) == datetime(2026, 3, 28, 8, tzinfo=UTC)
    after_saturday = datetime(2026, 3, 28, 8, 0, 1, tzinfo=UTC)
    assert next_occurrence(after_saturday, nine, berlin) == datetime(2026, 3, 29, 7, tzinfo=UTC)
    # Sunday 25 October 2026: clocks go back; 09:00 is 08:00 UTC again.
    after = datetime(2026, 10, 24, 7, 0, 1, tzinfo=UTC)
    assert next_occurrence(after, nine, berlin) == datetime(2026, 10, 25, 8, tzinfo=UTC)
    # A time the spring change skips (02:30) comes an hour later, never not at all.
    skipped = next_occurrence(datetime(2026, 3, 29, 0, tzinfo=UTC), time(2, 30), berlin)
    assert skipped == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
