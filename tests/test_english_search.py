"""English search (bot.english_search): /search and inline mode find passages by the words of
their English translation, as stems (patents finds patent), every word required, quoted phrases
in a row; Chinese queries are answered exactly as without a translation.

The application-layer tests give the shipped work plan a small translation of their own (a few
passages, written here so that every count is known); the end-to-end test reads the shipped
translation, content/translations/<slug>.toml, through the real Application and the stand-in."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.english_search import EnglishIndex, parse_query, stems
from bot.lookup import Passage
from bot.services import Services
from bot.usecases import reading
from content.library import CONTENT_DIR, Library
from content.translation import Translation
from tests.support.content import on_topic
from tests.support.driver import BotDriver
from tests.support.services import opened_services

NOW = datetime(2022, 3, 1, 1, 0, tzinfo=UTC)
EN_USER = 2002

# "S.O" → English, for a few real passages (keys of the 2022 work plan).
ENGLISH = {
    "3.3": "Push for the revision of the Implementing Regulations of the Patent Law and of the "
    "Guidelines for Patent Examination.",
    "4.1": "Resolutely complete the five-year goal of raising examination quality and efficiency "
    "set by the State Council.",
    "4.4": "Complete the intelligent upgrade of the patent examination system.",
    "4.5": "Every patent examination department should see to quality assurance in its field.",
    "4.7": "After joining the Hague Agreement Concerning the International Registration of "
    "Industrial Designs (the Hague Agreement), link up the design examination work.",
    "4.10": "Regulate patent and trademark filing strictly; crack down on abnormal applications.",
    "4.11": "Step up the governance of trademark hoarding and strengthen the obligation to use.",
    "4.12": "Explore issuing electronic patent certificates across the board.",
    "5.2": "Improve the registration of assignments of patents; revise the measures for recording "
    "licences of patented inventions.",
    "7.1": "Speed up China’s accession to the Hague Agreement and promote the service.",
    "7.2": "Take part in making international rules within WIPO, such as the Hague system.",
    "7.5": "Implement the IP provisions of the Regional Comprehensive Economic Partnership (RCEP).",
}
# Seventeen passages (sections 1 and 2) with one word in common: two pages; 1.4 has it twice.
ORGANISE = {
    **{f"1.{n}": f"Organise the work of item {n}." for n in range(1, 11)},
    **{f"2.{n}": f"Organising the work of item {n}." for n in range(1, 8)},
    "1.4": "Organise, and organise again, the work of item 4.",
}
CHINESE_QUERIES = [
    "审查",
    "地理标志",
    "海牙协定",
    "质押",
    "北京2022年",
    "2022",
    "。",
    "的",
    "量子计算机",
]
ODD_QUERIES = ["the", "<b>", "a & b", "</a>", "%%", '"', "and-or"]


def translated(services: Services, passages: dict[str, str] | None) -> Services:
    """The services with the work plan's translation replaced (None: no translation), as a
    /reload of new content files would."""
    library = services.library
    translation = None
    if passages is not None:
        translation = Translation(library.primary.slug, "Work plan", {}, dict(passages))
    plan = replace(library.primary, translation=translation)
    services.library = replace(library, plans=(plan, *library.plans[1:]))
    return services


@pytest.fixture
async def services(settings: Settings, bot_database_url: str) -> AsyncIterator[Services]:
    async with opened_services(settings, bot_database_url, lambda: NOW) as services:
        yield translated(services, {**ORGANISE, **ENGLISH})


async def search(services: Services, query: str) -> reading.Listing:
    listing = await reading.search_listing(services, query)
    assert isinstance(listing, reading.Listing), query
    return listing


def keys(listing: reading.Listing | reading.InlineOffer) -> list[str]:
    return [passage.key for passage in listing.passages]


def occurrences(pattern: str) -> dict[str, int]:
    """Key → matches of a regular expression in ENGLISH (case ignored): an oracle that knows
    nothing of stems."""
    counts = {key: len(re.findall(pattern, text, re.IGNORECASE)) for key, text in ENGLISH.items()}
    return {key: count for key, count in counts.items() if count}


def by_rank(scores: dict[str, int]) -> list[str]:
    """More matches first, then document order."""

    def position(key: str) -> tuple[int, int]:
        section, ordinal = key.split(".")
        return int(section), int(ordinal)

    return sorted(scores, key=lambda key: (-scores[key], position(key)))


# --- what a query asks for -------------------------------------------------------------------


def test_a_query_is_words_phrases_and_chinese() -> None:
    query = parse_query("Patents “Hague Agreement” high-quality 海牙 of the")
    assert query.words == ("patent",)  # stems; "of" and "the" are stop words
    assert query.phrases == (("hagu", "agreement"), ("high", "qualiti"))
    assert query.chinese == ("海牙",)
    assert query.is_english
    assert parse_query("ＰＡＴＥＮＴＳ").words == ("patent",)  # width and case do not matter
    assert stems("China’s patents") == stems("china's PATENT") == ["china", "patent", ""]


def test_chinese_digits_and_stop_words_are_no_english_query() -> None:
    for query in [*CHINESE_QUERIES, *ODD_QUERIES, "北京 2022 年", "3 5"]:
        assert not parse_query(query).is_english, query
    assert parse_query('"the"').is_english  # quoted, a stop word is looked for


# --- /search -----------------------------------------------------------------------------------


async def test_a_word_finds_its_stem_whatever_the_case(services: Services) -> None:
    expected = by_rank(occurrences(r"\bpatent(s|ed)?\b"))
    assert len(expected) == 6
    for query in ("patent", "patents", "PATENTED", "Patent"):
        listing = await search(services, query)
        assert keys(listing) == expected, query
        assert (listing.total, listing.pages, listing.key, listing.topic) == (6, 1, None, None)
    listing = await search(services, "patent")
    assert listing.passages[0] == Passage(
        listing.passages[0].id,
        3,
        services.library.primary.document.sections[3].passages[2].text,
        "3.3",
    )  # the Chinese passage, as a Chinese search returns it


async def test_every_word_must_match(services: Services) -> None:
    query = "examination of patents"  # "of" is a stop word
    assert services.library.catalog.resolve(query) is None
    listing = await search(services, query)
    both = occurrences(r"\bpatent(s|ed)?\b").keys() & occurrences(r"\bexamination\b").keys()
    assert sorted(keys(listing)) == sorted(both) == ["3.3", "4.4", "4.5"]
    assert keys(listing)[0] == "3.3"  # three matches: Patent Law, Patent Examination
    nothing = await reading.search_listing(services, "patent hoarding")
    assert isinstance(nothing, reading.NothingFound)


async def test_a_quoted_phrase_matches_its_words_in_a_row(services: Services) -> None:
    words = await search(services, "examination quality")
    assert keys(words) == ["4.1", "4.5"]
    for quoted in ('"examination quality"', "“examination quality”"):
        phrase = await search(services, quoted)
        assert keys(phrase) == ["4.1"]  # 4.5 has both words, not in a row
    hague = await search(services, '"Hague Agreement"')
    assert keys(hague) == ["4.7", "7.1"]  # 7.2 says "the Hague system"
    assert hague.topic is not None
    assert hague.topic.slug == "hague"


async def test_an_english_topic_name_adds_the_topics_passages(
    services: Services, library: Library
) -> None:
    listing = await search(services, "Hague")
    assert listing.topic is not None
    assert listing.topic.slug == "hague"
    assert [(p.section_number, p.text) for p in listing.passages if p.key != "7.2"] == on_topic(
        library, "hague"
    )
    assert keys(listing) == ["4.7", "7.1", "7.2"]  # twice in 4.7; then document order

    hoarding = await search(services, "trademark hoarding")
    assert hoarding.topic is not None
    assert hoarding.topic.slug == "abnormal-filings"
    assert keys(hoarding)[0] == "4.11"  # both words: first; the topic's other passages after
    on_it = [text for _, text in on_topic(library, "abnormal-filings")]
    assert [p.text for p in hoarding.passages[1:]] == [t for t in on_it if "囤积" not in t]


async def test_a_literal_match_in_the_chinese_text_counts_too(services: Services) -> None:
    listing = await search(services, "RCEP")
    assert keys(listing) == ["7.5"]  # in both texts; its topic is not added, as before
    assert listing.topic is None
    translated(services, {**ENGLISH, "7.9": "Cooperate with RCEP members and with Thailand."})
    assert keys(await search(services, "rcep")) == ["7.5", "7.9"]  # 7.5 twice, 7.9 once


async def test_chinese_along_with_english_must_be_in_the_chinese_text(
    services: Services,
) -> None:
    assert keys(await search(services, "海牙 Hague")) == ["4.7", "7.1"]
    assert isinstance(await reading.search_listing(services, "质押 Hague"), reading.NothingFound)


async def test_chinese_and_odd_queries_are_answered_as_without_a_translation(
    services: Services,
) -> None:
    queries = [*CHINESE_QUERIES, *ODD_QUERIES]
    answers = [await reading.search_listing(services, query) for query in queries]
    offers = [await reading.inline_offer(services, query) for query in queries]
    translated(services, None)
    assert answers == [await reading.search_listing(services, query) for query in queries]
    assert offers == [await reading.inline_offer(services, query) for query in queries]


async def test_nothing_found_in_english(services: Services) -> None:
    found = await reading.search_listing(services, "quantum computer")
    assert isinstance(found, reading.NothingFound)


async def test_english_hits_page_with_their_saved_query(services: Services) -> None:
    first = await search(services, "organising")
    assert (first.total, first.pages) == (17, 2)
    assert first.key is not None
    assert keys(first)[0] == "1.4"  # twice
    second = await reading.search_page(services, int(first.key), 2)
    assert second is not None
    assert second.query == "organising"
    shown = keys(first) + keys(second)
    assert shown == ["1.4", *[k for k in ORGANISE if k != "1.4"]]  # each once, document order
    assert await reading.search_page(services, int(first.key), 3) is None


# --- inline mode, the index ----------------------------------------------------------------


async def test_inline_offers_the_english_hits(services: Services) -> None:
    offer = await reading.inline_offer(services, "patents")
    assert offer is not None
    assert keys(offer) == by_rank(occurrences(r"\bpatent(s|ed)?\b"))
    hague = await reading.inline_offer(services, '"Hague Agreement')  # a phrase being typed
    assert hague is not None
    assert keys(hague) == ["4.7", "7.1"]


async def test_the_index_is_built_once_per_content_version(services: Services) -> None:
    async with services.store.transaction() as repo:
        index = await services.english(repo)
        assert index is not None
        assert len(index) == sum(
            len(s.passages) for s in services.library.primary.document.sections
        )
        assert await services.english(repo) is index
        translated(services, {"8.8": "Train people for international work."})  # a /reload
        again = await services.english(repo)
        assert again is not None
        assert again is not index
    assert keys(await search(services, "trained")) == ["8.8"]
    assert isinstance(await reading.search_listing(services, "patent"), reading.NothingFound)
    translated(services, None)
    async with services.store.transaction() as repo:
        assert await services.english(repo) is None


def test_an_index_without_the_translations_passages_finds_nothing() -> None:
    passages = [Passage(1, 0, "总体思路", "0.1")]
    index = EnglishIndex(passages, Translation("x", "X", {}, {"9.9": "patent"}))
    assert index.english_matches(parse_query("patent")) == {}


@pytest.fixture(scope="module")
def index(library: Library) -> EnglishIndex:
    """The shipped passages (ids made up) with the test translation, without a store."""
    passages = [
        Passage(position, section.number, passage.text, f"{section.number}.{passage.ordinal}")
        for position, (section, passage) in enumerate(
            (s, p) for s in library.primary.document.sections for p in s.passages
        )
    ]
    return EnglishIndex(passages, Translation("x", "X", {}, {**ORGANISE, **ENGLISH}))


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    query=st.text(
        st.sampled_from("patent Hague \"“”-.'’ 海牙审查 RCEP and of ＡＢ 2022 \t,;()"), max_size=40
    )
    | st.text(max_size=40)
)
def test_any_text_is_a_query(index: EnglishIndex, library: Library, query: str) -> None:
    """Whatever is typed: no error; a query without English words is left to the store; a page
    holds distinct passages, no more than the total."""
    found = index.find(library.catalog, query, 0, 10)
    if not parse_query(query).is_english:
        assert found is None
        return
    assert found is not None
    assert len(found.passages) == min(10, found.total)
    assert len({p.key for p in found.passages}) == len(found.passages)


# --- end to end --------------------------------------------------------------------------------


async def test_an_english_user_searches_the_shipped_translation(
    bot: BotDriver, library: Library
) -> None:
    translation = library.primary.translation
    if translation is None:
        path = CONTENT_DIR / "translations" / f"{library.primary.slug}.toml"
        pytest.skip(f"no shipped translation yet ({path.relative_to(CONTENT_DIR.parent)})")
    words = {k for k, t in translation.passages.items() if re.search(r"\bpatents?\b", t, re.I)}
    anywhere = {k for k, t in translation.passages.items() if "patent" in t.casefold()}
    assert words
    [answer] = await bot.say("/search patents", chat_id=EN_USER)
    header = answer.text.split("\n", 1)[0]
    match = re.fullmatch(r"Search “patents” — (\d+) found \(page 1/(\d+)\)", header)
    assert match is not None, header
    assert len(words) <= int(match[1]) <= len(anywhere)
