"""Reading and finding, tested on the application layer directly: no HTTP, no Telegram, one SQLite
file per test. What is checked is what a reader notices: the heading of a section, the range a
wrong number is told, the passages and pages of /topic and /search, and what inline mode offers.
The end-to-end tests (test_reading_e2e.py, test_topics_e2e.py) check how it is rendered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot import lookup, render
from bot.config import Settings
from bot.services import Services
from bot.usecases import reading
from content.catalog import fold
from content.library import Library
from tests.support.content import on_topic
from tests.support.services import opened_services

HEADING_4 = "建设一流专利商标审查机构，全面打赢审查提质增效攻坚战。"
NOW = datetime(2022, 3, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
async def services(settings: Settings, bot_database_url: str) -> AsyncIterator[Services]:
    async with opened_services(settings, bot_database_url, lambda: NOW) as services:
        yield services


@pytest.fixture
async def empty(settings: Settings, database_url: str) -> AsyncIterator[Services]:
    """No content imported yet."""
    async with opened_services(settings, database_url, lambda: NOW, imported=False) as services:
        yield services


def containing(library: Library, query: str) -> list[str]:
    return [
        p.text
        for s in library.primary.document.sections
        for p in s.passages
        if fold(query) in fold(p.text)
    ]


# --- the work plan -----------------------------------------------------------------------------


async def test_section_4_has_its_heading_and_neighbours(services: Services) -> None:
    card = await reading.find_section(services, 4)
    assert isinstance(card, reading.SectionCard)
    assert card.section.heading == HEADING_4
    assert card.numbers == tuple(range(9))
    assert card.document.title == "国家知识产权局 2022 年工作要点"
    assert any("海牙协定" in point for point in card.section.summary_zh)


async def test_a_number_out_of_range_names_the_last_section(services: Services) -> None:
    for number in (9, 100, -1, None):
        assert await reading.find_section(services, number) == reading.SectionMissing(8)


async def test_the_introduction_is_section_0(services: Services) -> None:
    card = await reading.find_section(services, 0)
    assert isinstance(card, reading.SectionCard)
    assert card.section.heading == "总体思路"


async def test_full_text_is_the_section_verbatim(services: Services, library: Library) -> None:
    found = await reading.full_text(services, 7)
    assert found is not None
    section = library.primary.document.sections[7]
    assert found.passages == tuple(p.text for p in section.passages)
    assert await reading.full_text(services, 9) is None


async def test_contents_lists_every_section_in_order(services: Services) -> None:
    contents = await reading.contents(services)
    assert contents is not None
    assert [s.number for s in contents.sections] == list(range(9))


async def test_help_names_the_range_and_the_subscription_limit(services: Services) -> None:
    facts = await reading.help_facts(services)
    assert facts == reading.HelpFacts(8, lookup.MAX_SUBSCRIPTIONS)


async def test_before_content_is_imported_nothing_is_found(empty: Services) -> None:
    assert await reading.document(empty) is None
    assert await reading.contents(empty) is None
    assert await reading.find_section(empty, 4) is None
    assert await reading.full_text(empty, 4) is None
    assert await reading.help_facts(empty) == reading.HelpFacts(0, lookup.MAX_SUBSCRIPTIONS)
    assert await reading.inline_offer(empty, "海牙") is None


# --- /topic and /search --------------------------------------------------------------------------


async def test_a_topic_page_of_hague(services: Services, library: Library) -> None:
    listing = await reading.topic_listing(services, "海牙")
    assert isinstance(listing, reading.Listing)
    assert listing.topic is not None
    assert listing.topic.slug == "hague"
    expected = on_topic(library, "hague")
    assert [(p.section_number, p.text) for p in listing.passages] == expected
    assert (listing.total, listing.page, listing.pages, listing.key) == (len(expected), 1, 1, None)


async def test_a_topic_of_many_pages_is_keyed_by_its_slug(
    services: Services, library: Library
) -> None:
    expected = on_topic(library, "protection")
    first = await reading.topic_listing(services, "知识产权保护")
    assert isinstance(first, reading.Listing)
    assert (first.pages, first.key) == (2, "protection")
    second = await reading.topic_page(services, "protection", 2)
    assert second is not None
    shown = [(p.section_number, p.text) for p in first.passages + second.passages]
    assert shown == expected  # document order, every passage once
    assert await reading.topic_page(services, "protection", 3) is None  # a stale button
    assert await reading.topic_page(services, "no-such-topic", 1) is None


async def test_a_two_character_search(services: Services, library: Library) -> None:
    listing = await reading.search_listing(services, "质押")
    assert isinstance(listing, reading.Listing)
    assert [p.text for p in listing.passages] == containing(library, "质押")
    assert listing.topic is None
    assert listing.key is None  # one page: nothing saved


async def test_search_pages_through_every_hit_once(services: Services, library: Library) -> None:
    hits = containing(library, "审查")
    assert render.PAGE_SIZE < len(hits) <= 2 * render.PAGE_SIZE
    first = await reading.search_listing(services, "审查")
    assert isinstance(first, reading.Listing)
    assert (first.total, first.pages, len(first.passages)) == (len(hits), 2, render.PAGE_SIZE)
    assert first.key is not None
    second = await reading.search_page(services, int(first.key), 2)
    assert second is not None
    assert second.page == 2
    assert sorted(p.text for p in first.passages + second.passages) == sorted(hits)
    assert second.key == first.key  # the buttons keep pointing at the same saved query
    assert await reading.search_page(services, int(first.key), 3) is None
    assert await reading.search_page(services, int(first.key), 0) is None


async def test_a_keyword_topic_pages_by_its_saved_query(
    services: Services, library: Library
) -> None:
    hits = containing(library, "推进")  # not a topic's name: a keyword
    assert render.PAGE_SIZE < len(hits) <= 2 * render.PAGE_SIZE
    first = await reading.topic_listing(services, "推进")
    assert isinstance(first, reading.Listing)
    assert first.topic is None
    assert first.key is not None
    second = await reading.keyword_page(services, int(first.key), 2)
    assert second is not None
    assert second.query == "推进"
    assert sorted(p.text for p in first.passages + second.passages) == sorted(hits)


async def test_search_falls_back_to_an_english_topic_name(
    services: Services, library: Library
) -> None:
    listing = await reading.search_listing(services, "Hague")
    assert isinstance(listing, reading.Listing)
    assert listing.topic is not None
    assert listing.topic.slug == "hague"
    assert listing.total == len(on_topic(library, "hague"))


async def test_nothing_found_and_too_long(services: Services) -> None:
    assert await reading.search_listing(services, "量子计算机") == reading.NothingFound(())
    nearly = await reading.topic_listing(services, "海牙公约")  # not in the text: the nearest
    assert isinstance(nearly, reading.NothingFound)
    assert "hague" in [topic.slug for topic in nearly.near]
    too_long = reading.QueryTooLong(lookup.MAX_QUERY_LENGTH)
    assert await reading.search_listing(services, "x" * 101) == too_long
    assert await reading.topic_listing(services, "😀" * 500) == too_long


async def test_a_saved_query_round_trips(services: Services) -> None:
    query_id = await reading.save_query(services, "知识产权 保护")
    assert await reading.save_query(services, "知识产权 保护") == query_id  # saved once
    assert await reading.saved_query(services, query_id) == "知识产权 保护"
    assert await reading.saved_query(services, query_id + 1000) is None
    assert await reading.search_page(services, query_id + 1000, 1) is None
    assert await reading.keyword_page(services, query_id + 1000, 1) is None


# --- inline mode -------------------------------------------------------------------------------


async def test_inline_offers_at_most_fifty_passages(services: Services, library: Library) -> None:
    assert len(containing(library, "。")) > reading.INLINE_RESULTS
    for query in ("。", "知识产权", "的", "海牙"):
        offer = await reading.inline_offer(services, query)
        assert offer is not None
        assert offer.sections == ()
        expected = min(reading.INLINE_RESULTS, len(containing(library, query)))
        assert len(offer.passages) == expected, query
        assert len({p.id for p in offer.passages}) == len(offer.passages)


async def test_inline_with_nothing_typed_offers_the_sections(
    services: Services, library: Library
) -> None:
    for typed in ("", "   "):
        offer = await reading.inline_offer(services, typed)
        assert offer is not None
        assert offer.passages == ()
        assert [s.number for s in offer.sections] == list(range(9))
        assert offer.document_title == library.primary.document.title


async def test_inline_with_odd_text_offers_nothing(services: Services) -> None:
    for typed in ("量子计算机", "<b>", "😀" * 500, "a" * 300):
        offer = await reading.inline_offer(services, typed)
        assert offer is not None
        assert (offer.passages, offer.sections) == ((), ()), typed
