"""The subscription usecases called directly: no HTTP, no Telegram, a real store on a temporary
SQLite file and a fixed clock. What is checked is what a reader notices: the limit of 30, a
keyword too long or not in the text, "already subscribed", /unsubscribe all, /mysubs counts,
the /topics toggle and the deep link's button."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.config import Settings
from bot.services import Services
from bot.usecases import chats, subscriptions
from bot.usecases.subscriptions import (
    MAX_NAMES_PER_COMMAND,
    MAX_SUBSCRIPTIONS,
    Added,
    Followed,
    Kind,
    Removal,
    Subscribed,
    Toggled,
)
from content.catalog import Topic
from tests.support.services import opened_services

LI, ALICE, GROUP = 1001, 2002, -100777
NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


@pytest.fixture
async def services(settings: Settings, bot_database_url: str) -> AsyncIterator[Services]:
    """As entry/application.py's post_init builds them, on a throwaway database."""
    async with opened_services(settings, bot_database_url, lambda: NOW) as services:
        yield services


@pytest.fixture
async def chat(services: Services) -> int:
    await chats.resolve(services, LI, "private", "zh-hans")
    return LI


@pytest.fixture
def topics(services: Services) -> tuple[Topic, ...]:
    return services.library.catalog.topics


async def subscribe(services: Services, chat: int, text: str, language: str = "zh") -> list[Added]:
    """What each name of `/subscribe <text>` did."""
    names = subscriptions.names_in(services, text)
    outcome = await subscriptions.subscribe(services, chat, language, names)
    return [result.outcome for result in outcome.results]


async def following(services: Services, chat: int, language: str = "zh") -> list[str]:
    return [item.name for item in await subscriptions.followed(services, chat, language)]


# --- /subscribe -------------------------------------------------------------------------------


async def test_names_are_topics_by_any_name_or_keywords_in_the_text(
    services: Services, chat: int
) -> None:
    names = subscriptions.names_in(services, "海牙 geographical indications, 乡村振兴")
    assert names == ["海牙", "geographical indications", "乡村振兴"]
    outcome = await subscriptions.subscribe(services, chat, "zh", names)
    assert outcome.results == (
        Subscribed("海牙", Added.ADDED_TOPIC, Kind.TOPIC, "海牙协定"),
        Subscribed("geographical indications", Added.ADDED_TOPIC, Kind.TOPIC, "地理标志"),
        Subscribed("乡村振兴", Added.ADDED_KEYWORD, Kind.KEYWORD, "乡村振兴", count=1),
    )
    assert outcome.skipped == ()
    assert await subscriptions.followed(services, chat, "zh") == (
        Followed(Kind.TOPIC, "海牙协定", 2),
        Followed(Kind.TOPIC, "地理标志", 5),
        Followed(Kind.KEYWORD, "乡村振兴", 1),
    )


async def test_topics_are_named_in_the_language_asked_for(services: Services, chat: int) -> None:
    outcome = await subscriptions.subscribe(services, chat, "en", ["海牙"])
    assert outcome.results[0].display == "Hague Agreement"
    assert await following(services, chat, "en") == ["Hague Agreement"]
    assert await following(services, chat, "zh") == ["海牙协定"]


async def test_subscribing_twice_says_already(services: Services, chat: int) -> None:
    await subscribe(services, chat, "海牙 乡村振兴")
    outcome = await subscriptions.subscribe(services, chat, "zh", ["Hague", " 乡村振兴 "])
    assert [(r.outcome, r.kind, r.display) for r in outcome.results] == [
        (Added.ALREADY, Kind.TOPIC, "海牙协定"),
        (Added.ALREADY, Kind.KEYWORD, "乡村振兴"),
    ]
    assert await following(services, chat) == ["海牙协定", "乡村振兴"]


async def test_a_keyword_longer_than_thirty_characters_is_refused(
    services: Services, chat: int
) -> None:
    keyword = "知识产权" * 8
    outcome = await subscriptions.subscribe(services, chat, "zh", [keyword])
    assert outcome.results == (Subscribed(keyword, Added.TOO_LONG, None, keyword),)
    assert await following(services, chat) == []
    # Thirty characters exactly is a keyword like any other.
    assert await subscribe(services, chat, "知识产权" * 7 + "保护") == [Added.UNKNOWN]


async def test_a_keyword_not_in_the_text_is_unknown_with_the_nearest_topics(
    services: Services, chat: int
) -> None:
    [result] = (await subscriptions.subscribe(services, chat, "zh", ["海牙公约"])).results
    assert (result.outcome, result.kind, result.suggestions) == (Added.UNKNOWN, None, ("海牙协定",))
    [english] = (await subscriptions.subscribe(services, chat, "en", ["海牙公约"])).results
    assert english.suggestions == ("Hague Agreement",)
    assert await following(services, chat) == []


@pytest.mark.parametrize("name", ["。", "x", "%", "_", "<b>", "😀"])
async def test_what_is_not_keyword_shaped_is_unknown(
    services: Services, chat: int, name: str
) -> None:
    assert await subscribe(services, chat, name) == [Added.UNKNOWN]
    assert await following(services, chat) == []


async def test_the_thirty_first_subscription_is_refused(
    services: Services, chat: int, topics: tuple[Topic, ...]
) -> None:
    first = ", ".join(t.slug for t in topics[:MAX_SUBSCRIPTIONS])
    assert await subscribe(services, chat, first) == [Added.ADDED_TOPIC] * MAX_SUBSCRIPTIONS
    outcome = await subscriptions.subscribe(services, chat, "zh", [topics[30].zh, "乡村振兴"])
    assert [(r.outcome, r.display) for r in outcome.results] == [
        (Added.LIMIT, topics[30].zh),
        (Added.LIMIT, "乡村振兴"),
    ]
    # At the limit, what the chat follows already is still "already".
    assert await subscribe(services, chat, topics[0].zh) == [Added.ALREADY]
    assert len(await following(services, chat)) == MAX_SUBSCRIPTIONS

    await subscriptions.unsubscribe(services, chat, "zh", "海牙")  # room for one again
    assert await subscribe(services, chat, topics[30].zh) == [Added.ADDED_TOPIC]
    assert len(await following(services, chat)) == MAX_SUBSCRIPTIONS


async def test_the_limit_counts_within_one_command(
    services: Services, chat: int, topics: tuple[Topic, ...]
) -> None:
    await subscribe(services, chat, ", ".join(t.slug for t in topics[:28]))
    added = await subscribe(services, chat, f"{topics[28].zh} 乡村振兴 {topics[29].zh}")
    assert added == [Added.ADDED_TOPIC, Added.ADDED_KEYWORD, Added.LIMIT]


async def test_names_beyond_thirty_in_one_command_are_skipped_as_typed(
    services: Services, chat: int, topics: tuple[Topic, ...]
) -> None:
    names = [t.slug for t in topics[:31]]
    outcome = await subscriptions.subscribe(services, chat, "zh", names)
    assert len(outcome.results) == MAX_NAMES_PER_COMMAND
    assert outcome.skipped == (topics[30].slug,)


# --- /unsubscribe -----------------------------------------------------------------------------


async def test_unsubscribe_a_topic_by_any_name_a_keyword_and_all(
    services: Services, chat: int
) -> None:
    await subscribe(services, chat, "海牙 GI 乡村振兴 商标")
    outcome = await subscriptions.unsubscribe(services, chat, "zh", "Hague Agreement")
    assert outcome.everything is None
    assert outcome.removals == (Removal("Hague Agreement", Kind.TOPIC, "海牙协定"),)
    outcome = await subscriptions.unsubscribe(services, chat, "zh", "乡村振兴")
    assert outcome.removals == (Removal("乡村振兴", Kind.KEYWORD, "乡村振兴"),)
    outcome = await subscriptions.unsubscribe(services, chat, "zh", "海牙")
    assert outcome.removals == (Removal("海牙", None, "海牙"),)
    assert await following(services, chat) == ["地理标志", "商标"]

    outcome = await subscriptions.unsubscribe(services, chat, "zh", "all")
    assert (outcome.everything, outcome.removals) == (2, ())
    assert await following(services, chat) == []
    assert (await subscriptions.unsubscribe(services, chat, "zh", "all")).everything == 0


@pytest.mark.parametrize("word", ["all", "ALL", "全部", "所有", "Ａｌｌ"])
async def test_unsubscribe_all_in_any_spelling(services: Services, chat: int, word: str) -> None:
    await subscribe(services, chat, "海牙 乡村振兴")
    assert (await subscriptions.unsubscribe(services, chat, "zh", word)).everything == 2
    assert await following(services, chat) == []


async def test_a_keyword_is_unsubscribed_whatever_its_blanks(services: Services, chat: int) -> None:
    await subscribe(services, chat, "乡村振兴")
    outcome = await subscriptions.unsubscribe(services, chat, "zh", "乡村 振兴")
    assert outcome.removals == (Removal("乡村 振兴", Kind.KEYWORD, "乡村 振兴"),)
    assert await following(services, chat) == []


async def test_several_names_are_unsubscribed_one_by_one(services: Services, chat: int) -> None:
    await subscribe(services, chat, "海牙 GI 乡村振兴")
    outcome = await subscriptions.unsubscribe(services, chat, "en", "Hague, 商标 乡村振兴")
    assert [(r.removed, r.display) for r in outcome.removals] == [
        (Kind.TOPIC, "Hague Agreement"),
        (None, "商标"),
        (Kind.KEYWORD, "乡村振兴"),
    ]
    assert await following(services, chat) == ["地理标志"]


async def test_separators_alone_name_nothing_to_unsubscribe(services: Services, chat: int) -> None:
    await subscribe(services, chat, "海牙")
    outcome = await subscriptions.unsubscribe(services, chat, "zh", "， 、")
    assert (outcome.everything, outcome.removals) == (None, ())
    assert await following(services, chat) == ["海牙协定"]


# --- /mysubs and whose subscriptions they are ----------------------------------------------------


async def test_subscriptions_belong_to_the_chat(services: Services, chat: int) -> None:
    await chats.resolve(services, ALICE, "private", "en")
    await chats.resolve(services, GROUP, "supergroup", None)
    await subscribe(services, chat, "海牙")
    await subscribe(services, GROUP, "商标")
    assert await following(services, chat) == ["海牙协定"]
    assert await following(services, GROUP) == ["商标"]
    assert await following(services, ALICE) == []
    assert (await subscriptions.unsubscribe(services, ALICE, "en", "all")).everything == 0
    assert await following(services, chat) == ["海牙协定"]


# --- /topics toggles -----------------------------------------------------------------------------


async def test_the_catalogue_counts_passages_and_marks_what_the_chat_follows(
    services: Services, chat: int, topics: tuple[Topic, ...]
) -> None:
    catalogue = await subscriptions.catalogue(services, chat, "zh")
    assert [entry.slug for entry in catalogue.entries] == [t.slug for t in topics]
    assert ("海牙协定", 2) in [(entry.name, entry.count) for entry in catalogue.entries]
    assert catalogue.followed == frozenset()
    await subscribe(services, chat, "海牙 GI 乡村振兴")
    catalogue = await subscriptions.catalogue(services, chat, "en")
    assert catalogue.followed == {"hague", "gi"}  # keywords have no button
    assert catalogue.entries[0].name == topics[0].en


async def test_toggling_subscribes_then_unsubscribes(services: Services, chat: int) -> None:
    toggle = await subscriptions.toggle_topic(services, chat, "zh", "hague")
    assert toggle is not None
    assert (toggle.outcome, toggle.name, toggle.catalogue.followed) == (
        Toggled.ON,
        "海牙协定",
        frozenset({"hague"}),
    )
    assert await following(services, chat) == ["海牙协定"]

    toggle = await subscriptions.toggle_topic(services, chat, "en", "hague")
    assert toggle is not None
    assert (toggle.outcome, toggle.name, toggle.catalogue.followed) == (
        Toggled.OFF,
        "Hague Agreement",
        frozenset(),
    )
    assert await following(services, chat) == []


async def test_toggling_at_the_limit_refuses_but_unsubscribing_still_works(
    services: Services, chat: int, topics: tuple[Topic, ...]
) -> None:
    await subscribe(services, chat, ", ".join(t.slug for t in topics[:MAX_SUBSCRIPTIONS]))
    toggle = await subscriptions.toggle_topic(services, chat, "zh", topics[-1].slug)
    assert toggle is not None
    assert (toggle.outcome, toggle.name) == (Toggled.LIMIT, topics[-1].zh)
    assert topics[-1].slug not in toggle.catalogue.followed
    assert len(await following(services, chat)) == MAX_SUBSCRIPTIONS

    toggle = await subscriptions.toggle_topic(services, chat, "zh", topics[0].slug)
    assert toggle is not None
    assert toggle.outcome is Toggled.OFF


@pytest.mark.parametrize("slug", ["nosuch", "", "HAGUE", "海牙", "x" * 61])
async def test_a_forged_topic_changes_nothing(services: Services, chat: int, slug: str) -> None:
    assert not subscriptions.is_topic(services, slug)
    assert await subscriptions.toggle_topic(services, chat, "zh", slug) is None
    assert await subscriptions.confirm_topic(services, chat, "zh", slug) is None
    assert await subscriptions.topic_offer(services, "zh", slug) is None
    assert await following(services, chat) == []


# --- deep links ----------------------------------------------------------------------------------


async def test_a_deep_link_offers_then_the_tap_subscribes_once(
    services: Services, chat: int
) -> None:
    offer = await subscriptions.topic_offer(services, "zh", "hague")
    assert offer is not None
    assert (offer.slug, offer.name, offer.passages) == ("hague", "海牙协定", 2)
    assert await following(services, chat) == []  # a link alone changes nothing

    result = await subscriptions.confirm_topic(services, chat, "zh", "hague")
    assert result == Subscribed("hague", Added.ADDED_TOPIC, Kind.TOPIC, "海牙协定")
    again = await subscriptions.confirm_topic(services, chat, "en", "hague")
    assert again is not None
    assert (again.outcome, again.display) == (Added.ALREADY, "Hague Agreement")
    assert await following(services, chat) == ["海牙协定"]


async def test_the_tap_at_the_limit_is_refused(
    services: Services, chat: int, topics: tuple[Topic, ...]
) -> None:
    await subscribe(services, chat, ", ".join(t.slug for t in topics[:MAX_SUBSCRIPTIONS]))
    result = await subscriptions.confirm_topic(services, chat, "zh", topics[-1].slug)
    assert result is not None
    assert result.outcome is Added.LIMIT


# --- the store is free once a usecase returns ---------------------------------------------------


async def test_no_usecase_returns_while_holding_the_store(services: Services, chat: int) -> None:
    """On SQLite the store's lock is process-wide: whatever a handler does after a usecase
    returned (a Telegram call, another usecase) must find it free."""

    async def store_is_free() -> None:
        async with asyncio.timeout(1), services.store.transaction():
            pass

    await subscriptions.subscribe(services, chat, "zh", ["海牙", "乡村振兴", "海牙公约"])
    await store_is_free()
    await subscriptions.followed(services, chat, "zh")
    await store_is_free()
    await subscriptions.toggle_topic(services, chat, "zh", "gi")
    await store_is_free()
    await subscriptions.catalogue(services, chat, "zh")
    await store_is_free()
    await subscriptions.confirm_topic(services, chat, "zh", "gi")
    await store_is_free()
    await subscriptions.topic_offer(services, "zh", "gi")
    await store_is_free()
    await subscriptions.unsubscribe(services, chat, "zh", "all")
    await store_is_free()
