"""Topics, search, subscriptions and inline mode end to end: the real Application polls the
stand-in over HTTP and reads the SQLite store; every answer passes the stand-in's Telegram checks
(HTML, lengths, callback data), so an invalid answer would surface as the generic error message,
which no test here expects to see."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import replace

import pytest

from bot.config import Settings
from bot.i18n import Translator
from bot.store.content_import import sync_content
from bot.store.models import ContentStateRow
from content.catalog import fold
from content.library import Library
from entry.standin import JSON, StoredMessage, TelegramStandIn, parse_telegram_html
from tests.support.content import on_topic
from tests.support.driver import BotDriver, driven_bot, one, said

LI, EN_USER, ADMIN = 1001, 2002, 3003
GROUP = -500
TRANSLATE = Translator.load()
PAGE_SIZE = 10
MAX_SUBSCRIPTIONS = 30
LINK = re.compile(r'<a href="https://t\.me/(\w+)\?start=section_(\d+)">(〔[^〕]+〕)</a>')
NUMERALS = "零一二三四五六七八九"
GROUP_ANONYMOUS_BOT: JSON = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}


GENERIC_ERROR = said("error.generic")
GENERIC_ERROR_EN = said("error.generic", "en")


@pytest.fixture(autouse=True)
def _no_generic_error(
    request: pytest.FixtureRequest, api: TelegramStandIn, caplog: pytest.LogCaptureFixture
) -> Iterator[None]:
    """After every test that expects no bug: nothing failed while handling, nobody was told so."""
    yield
    if request.node.get_closest_marker("xfail"):
        return
    sent = [m.text for chat in list(api.messages) for m in api.bot_messages(chat)]
    assert GENERIC_ERROR not in sent
    assert GENERIC_ERROR_EN not in sent
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == []
    # A double tap edits a message to what it shows; Telegram refuses that ("message is not
    # modified") and the bot takes it as done. Any other refusal is a bug.
    refused = [c.method for c in api.calls if c.status >= 400 and not _not_modified_edit(c.method)]
    assert refused == []


def _not_modified_edit(method: str) -> bool:
    return method in {"editMessageText", "editMessageReplyMarkup"}


@pytest.fixture
def group(api: TelegramStandIn) -> int:
    """A group where LI is a plain member and ADMIN an administrator."""
    api.chat(GROUP, "group", "G")
    api.user(ADMIN, "Admin")
    api.member_status(GROUP, ADMIN, "administrator")
    return GROUP


def containing(library: Library, query: str) -> list[str]:
    """Every passage with the query in it, as search matches (case, width, blanks ignored)."""
    return [
        p.text
        for s in library.primary.document.sections
        for p in s.passages
        if fold(query) in fold(p.text)
    ]


def links(message: StoredMessage) -> list[tuple[str, int, str]]:
    """The section links of a listing, one per passage: (bot, section number, 〔reference〕)."""
    assert message.html is not None
    return [(bot, int(n), ref) for bot, n, ref in LINK.findall(message.html)]


def passage_texts(message: StoredMessage) -> list[str]:
    """The passages of a listing, without the header and their 〔reference〕."""
    return [line.split(" ", 1)[1] for line in message.text.split("\n\n")[1:]]


def labels(message: StoredMessage) -> list[str]:
    return [button["text"] for button in message.buttons]


def button_for(message: StoredMessage, name: str) -> int:
    """The index of the /topics button of a topic (with or without its ✅)."""
    pattern = re.compile(rf"^(✅ )?{re.escape(name)} \(\d+\)$")
    [index] = [i for i, label in enumerate(labels(message)) if pattern.match(label)]
    return index


async def mysubs(bot: BotDriver, chat_id: int = LI) -> str:
    return await one(bot, "/mysubs", chat_id=chat_id)


# --- /topics ---------------------------------------------------------------------------------


async def test_topics_has_a_button_per_topic_with_its_passage_count(
    bot: BotDriver, library: Library
) -> None:
    [catalogue] = await bot.say("/topics")
    assert catalogue.text == said("topics.header")
    expected = [f"{t.zh} ({len(on_topic(library, t.slug))})" for t in library.catalog.topics]
    assert labels(catalogue) == expected
    assert len(catalogue.buttons) == 34
    assert "海牙协定 (2)" in expected
    assert "知识产权保护 (14)" in expected
    assert catalogue.reply_markup is not None
    assert all(len(row) <= 2 for row in catalogue.reply_markup["inline_keyboard"])


async def test_pressing_a_topic_subscribes_and_pressing_again_unsubscribes(
    bot: BotDriver, api: TelegramStandIn
) -> None:
    [catalogue] = await bot.say("/topics")
    hague = button_for(catalogue, "海牙协定")
    assert await bot.press(catalogue, hague) == []  # the keyboard changes in place
    assert catalogue.edits == 1
    assert labels(catalogue)[hague] == "✅ 海牙协定 (2)"
    assert sum(label.startswith("✅") for label in labels(catalogue)) == 1
    assert api.callback_answers[-1]["text"] == said("topics.toggled_on", name="海牙协定")
    assert "海牙协定（主题，2 段）" in await mysubs(bot)

    await bot.press(catalogue, hague)
    assert labels(catalogue)[hague] == "海牙协定 (2)"
    assert not any(label.startswith("✅") for label in labels(catalogue))
    assert api.callback_answers[-1]["text"] == said("topics.toggled_off", name="海牙协定")
    assert await mysubs(bot) == said("mysubs.empty")


async def test_topics_shows_the_marks_of_earlier_subscriptions(bot: BotDriver) -> None:
    await bot.say("/subscribe 海牙 GI 乡村振兴")
    [catalogue] = await bot.say("/topics")
    marked = [label for label in labels(catalogue) if label.startswith("✅")]
    assert marked == ["✅ 地理标志 (5)", "✅ 海牙协定 (2)"]  # catalogue order; keywords have none


async def test_a_group_member_cannot_toggle_but_an_admin_can(
    bot: BotDriver, api: TelegramStandIn, group: int
) -> None:
    [catalogue] = await bot.say("/topics", chat_id=group, user_id=LI)  # anyone may look
    hague = button_for(catalogue, "海牙协定")
    await bot.press(catalogue, hague, user_id=LI)
    refusal = api.callback_answers[-1]
    assert refusal["text"] == said("subscribe.not_admin")
    assert refusal.get("show_alert") is True
    assert catalogue.edits == 0
    assert await mysubs(bot, group) == said("mysubs.empty")

    await bot.press(catalogue, hague, user_id=ADMIN)
    assert api.callback_answers[-1]["text"] == said("topics.toggled_on", name="海牙协定")
    assert labels(catalogue)[hague] == "✅ 海牙协定 (2)"
    assert "海牙协定" in await mysubs(bot, group)


async def test_the_group_creator_may_toggle_too(
    bot: BotDriver, api: TelegramStandIn, group: int
) -> None:
    api.member_status(group, LI, "creator")
    [catalogue] = await bot.say("/topics", chat_id=group, user_id=LI)
    await bot.press(catalogue, button_for(catalogue, "商标"), user_id=LI)
    assert labels(catalogue)[button_for(catalogue, "商标")].startswith("✅")


async def test_forged_topic_buttons_are_answered(bot: BotDriver, api: TelegramStandIn) -> None:
    [catalogue] = await bot.say("/topics")
    for forged in ("tg:nosuch", "tg:", "sub:nosuch", "sub:", "tg:" + "x" * 61):
        await bot.press(catalogue, data=forged)
    answers = [a.get("text") for a in api.callback_answers]
    assert answers == [said("topics.unknown")] * 5
    assert catalogue.edits == 0
    assert await mysubs(bot) == said("mysubs.empty")


async def test_toggling_at_the_limit_refuses_with_a_notice(
    bot: BotDriver, api: TelegramStandIn, library: Library
) -> None:
    slugs = [t.slug for t in library.catalog.topics]
    await bot.say("/subscribe " + ", ".join(slugs[:MAX_SUBSCRIPTIONS]))
    [catalogue] = await bot.say("/topics")
    last = library.catalog.topics[-1]
    replies = await bot.press(catalogue, button_for(catalogue, last.zh))
    limit = said("subscribe.limit", limit=MAX_SUBSCRIPTIONS, query=last.zh)
    assert limit in [a.get("text") for a in api.callback_answers]
    assert not labels(catalogue)[button_for(catalogue, last.zh)].startswith("✅")
    assert f"（{MAX_SUBSCRIPTIONS}/{MAX_SUBSCRIPTIONS}）" in await mysubs(bot)
    assert [r.text for r in replies] == []  # no "抱歉，处理你的消息时出了点问题"


# --- /topic NAME -----------------------------------------------------------------------------


async def test_topic_by_any_of_its_names(
    bot: BotDriver, api: TelegramStandIn, library: Library
) -> None:
    expected = on_topic(library, "hague")
    header = said("topic.header", name="海牙协定", total=len(expected), page=1, pages=1)
    for name in (
        "海牙",
        "海牙协定",
        "Hague",
        "ＨＡＧＵＥ",
        "hague",
        "Hague Agreement",
        "海牙 协定",
    ):
        [listing] = await bot.say(f"/topic {name}")
        assert listing.text.startswith(header), name
        assert listing.buttons == []
        assert links(listing) == [
            (api.bot_username, number, f"〔{NUMERALS[number]}〕") for number, _ in expected
        ]
        for _, text in expected:
            assert text in listing.text


async def test_topic_gi_and_its_references_link_to_the_sections(
    bot: BotDriver, api: TelegramStandIn, library: Library
) -> None:
    [listing] = await bot.say("/topic GI")
    expected = on_topic(library, "gi")
    assert listing.text.startswith("主题：地理标志 — 共 5 段（第 1/1 页）")
    assert [number for _, number, _ in links(listing)] == [number for number, _ in expected]
    assert all(bot_name == api.bot_username for bot_name, _, _ in links(listing))
    [card] = await bot.say(f"/start section_{expected[0][0]}")  # where a link leads
    assert card.text.startswith(f"{NUMERALS[expected[0][0]]}、")


async def test_topic_pages_ten_at_a_time_with_working_buttons(
    bot: BotDriver, api: TelegramStandIn, library: Library
) -> None:
    expected = on_topic(library, "protection")
    assert len(expected) > PAGE_SIZE
    [listing] = await bot.say("/topic 知识产权保护")
    header = said("topic.header", name="知识产权保护", total=len(expected), page=1, pages=2)
    assert listing.text.startswith(header)
    first_page = links(listing)
    assert len(first_page) == PAGE_SIZE
    assert "〔总体思路〕" in [ref for _, _, ref in first_page]  # section 0 is cited too
    assert ("policy_briefing_bot", 0, "〔总体思路〕") in first_page
    assert labels(listing) == ["下一页 ›"]

    await bot.press(listing, 0)
    assert listing.text.startswith(
        said("topic.header", name="知识产权保护", total=len(expected), page=2, pages=2)
    )
    second_page = links(listing)
    assert len(second_page) == len(expected) - PAGE_SIZE
    assert labels(listing) == ["‹ 上一页"]
    shown = [number for _, number, _ in first_page + second_page]
    assert shown == [number for number, _ in expected]  # document order
    assert passage_texts(listing) == [text for _, text in expected[PAGE_SIZE:]]
    assert api.callback_answers[-1].get("text") is None  # a silent answer: no toast

    await bot.press(listing, 0)
    assert links(listing) == first_page
    assert listing.edits == 2


async def test_topic_with_a_free_keyword(bot: BotDriver, library: Library) -> None:
    [listing] = await bot.say("/topic 乡村振兴")
    assert listing.text.startswith(
        said("topic.keyword_header", query="乡村振兴", total=1, page=1, pages=1)
    )
    assert len(links(listing)) == 1
    [passage] = containing(library, "乡村振兴")
    assert passage in listing.text

    [pledge] = await bot.say("/topic 质押")  # an alias of a topic: the topic's passages
    assert pledge.text.startswith("主题：质押融资 — 共 1 段")


async def test_topic_keyword_with_many_passages_pages_through_all_of_them(
    bot: BotDriver, library: Library
) -> None:
    total = len(containing(library, "知识产权"))
    pages = -(-total // PAGE_SIZE)
    assert pages > 2
    [listing] = await bot.say("/topic 知识产权")
    assert f"共 {total} 段（第 1/{pages} 页）" in listing.text
    seen = passage_texts(listing)
    for _ in range(pages - 1):
        await bot.press(listing, len(listing.buttons) - 1)  # next ›
        seen += passage_texts(listing)
    assert f"（第 {pages}/{pages} 页）" in listing.text
    assert sorted(seen) == sorted(containing(library, "知识产权"))
    assert labels(listing) == ["‹ 上一页"]


async def test_topic_without_argument_explains_usage(bot: BotDriver) -> None:
    assert await one(bot, "/topic") == said("topic.usage")
    assert await one(bot, "/topic    ") == said("topic.usage")


async def test_unknown_topic_says_nothing_found_and_suggests(bot: BotDriver) -> None:
    text = await one(bot, "/topic 海牙公约")
    assert text.startswith(said("topic.nothing", query="海牙公约"))
    assert "没有找到" in text
    assert said("topic.suggest", names="海牙协定") in text


BAD_TOPIC_ARGUMENTS = [
    ("a" * 101, said("topic.too_long", limit=100)),
    ("海" * 101, said("topic.too_long", limit=100)),
    ("😀" * 500, said("topic.too_long", limit=100)),
    ("<b>", "没有找到“<b>”"),
    ("<b>海牙</b>", "没有找到“<b>海牙</b>”"),
    ("&amp; </a>", "没有找到“&amp; </a>”"),
    ("😀" * 50, "没有找到“" + "😀" * 23 + "…”"),  # quoted back, but short
    ("'; DROP TABLE chats; --", "没有找到“'; DROP TABLE chats; --”"),
    ("%", "没有找到“%”"),
    ("_", "没有找到“_”"),
]


async def test_bad_topic_arguments_get_a_clear_short_answer(bot: BotDriver) -> None:
    for argument, expected in BAD_TOPIC_ARGUMENTS:
        [answer] = await bot.say(f"/topic {argument}")
        assert expected in answer.text, argument
        assert len(answer.text) < 300
        assert answer.buttons == []
        assert answer.html is not None
        assert parse_telegram_html(answer.html) == answer.text
    assert await mysubs(bot) == said("mysubs.empty")  # and the store is whole


async def test_exactly_one_hundred_characters_is_not_too_long(bot: BotDriver) -> None:
    text = await one(bot, "/topic " + "海" * 100)
    assert text.startswith("没有找到")


async def test_forged_topic_page_buttons_are_answered(bot: BotDriver, api: TelegramStandIn) -> None:
    [listing] = await bot.say("/topic 知识产权保护")
    before = listing.text
    for forged in ("pt:nosuch:1", "pt:protection:0", "pt:protection:abc", "pt:protection", "pt:"):
        await bot.press(listing, data=forged)
    answers = [a.get("text") for a in api.callback_answers]
    assert answers == [said("callback.expired")] * 5
    assert listing.text == before
    assert listing.edits == 0


# --- /search TEXT ----------------------------------------------------------------------------


async def test_search_two_characters_pages_best_first(
    bot: BotDriver, api: TelegramStandIn, library: Library
) -> None:
    hits = containing(library, "审查")
    assert len(hits) > PAGE_SIZE
    [result] = await bot.say("/search 审查")
    assert result.text.startswith(
        said("search.header", query="审查", total=len(hits), page=1, pages=2)
    )
    first = links(result)
    assert len(first) == PAGE_SIZE
    assert labels(result) == ["下一页 ›"]
    best = max(hits, key=lambda t: t.count("审查"))  # best first: most occurrences lead
    assert result.text.split("\n\n")[1].endswith(best)
    await bot.press(result, 0)
    assert "（第 2/2 页）" in result.text
    assert len(links(result)) == len(hits) - PAGE_SIZE
    assert labels(result) == ["‹ 上一页"]
    await bot.press(result, 0)
    assert links(result) == first
    assert [a.get("text") for a in api.callback_answers] == [None, None]


async def test_search_every_hit_is_shown_once_across_pages(
    bot: BotDriver, library: Library
) -> None:
    [result] = await bot.say("/search 审查")
    shown = passage_texts(result)
    await bot.press(result, 0)
    shown += passage_texts(result)
    assert sorted(shown) == sorted(containing(library, "审查"))


SEARCHES = [
    ("地理标志", 5),  # three or more characters: the full-text index
    ("海牙协定", 2),
    ("ｒｃｅｐ", 1),  # width and case do not matter
    ("RCEP", 1),
    ("北京2022年", 1),  # the text writes 北京 2022 年
    ("质押", 1),
]


async def test_search_finds_text_whatever_its_width_case_and_blanks(
    bot: BotDriver, library: Library
) -> None:
    for query, found in SEARCHES:
        assert len(containing(library, query)) == found
        [result] = await bot.say(f"/search {query}")
        assert result.text.startswith(f"搜索“{query}” — 共 {found} 段（第 1/1 页）"), query
        assert len(links(result)) == found
        assert result.buttons == []


async def test_search_falls_back_to_the_topic_of_an_english_name(
    bot: BotDriver, library: Library
) -> None:
    [result] = await bot.say("/search Hague")
    expected = on_topic(library, "hague")
    assert result.text.startswith(f"搜索“Hague” — 共 {len(expected)} 段")
    for _, text in expected:
        assert text in result.text
    [spaced] = await bot.say("/search Hague Agreement")
    assert f"共 {len(expected)} 段" in spaced.text


async def test_english_topic_fallback_pages_too(bot: BotDriver, library: Library) -> None:
    expected = on_topic(library, "international")
    assert len(expected) > PAGE_SIZE
    assert containing(library, "international cooperation") == []
    [result] = await bot.say("/search international cooperation")
    assert f"共 {len(expected)} 段（第 1/2 页）" in result.text
    await bot.press(result, 0)
    assert "（第 2/2 页）" in result.text
    assert len(links(result)) == len(expected) - PAGE_SIZE


async def test_search_without_hits_says_nothing_found(bot: BotDriver) -> None:
    text = await one(bot, "/search 量子计算机")
    assert text.startswith(said("topic.nothing", query="量子计算机"))


async def test_search_without_argument_or_too_long(bot: BotDriver) -> None:
    assert await one(bot, "/search") == said("search.usage")
    assert await one(bot, "/search " + "x" * 101) == said("topic.too_long", limit=100)
    assert await one(bot, "/search " + "😀" * 500) == said("topic.too_long", limit=100)


async def test_search_for_markup_is_answered_as_text(bot: BotDriver) -> None:
    for query in ("<b>", "</a>", "<script>x</script>", "a & b", "&lt;"):
        [answer] = await bot.say(f"/search {query}")
        assert f"“{query}”" in answer.text
        assert "没有找到" in answer.text


async def test_forged_search_page_buttons_are_answered(
    bot: BotDriver, api: TelegramStandIn
) -> None:
    [result] = await bot.say("/search 审查")
    before = result.text
    forged = ["pq:999999:1", "pq:abc", "pq:abc:1", "pq:1:0", "pq:-1:1", "pq::1", "pq:1:99999"]
    for data in forged:
        await bot.press(result, data=data)
    answers = [a.get("text") for a in api.callback_answers]
    assert answers == [said("search.expired")] * len(forged)
    assert result.text == before
    [again] = await bot.say("/search 地理标志")  # the bot still answers
    assert "共 5 段" in again.text


async def test_search_syntax_characters_are_plain_text(bot: BotDriver) -> None:
    queries = ['"', '"海牙"', "地理*", "地理标志 OR 商标", "NEAR(地理 标志)", "^地理", "a:b", "\\"]
    for query in [*queries, "%%"]:
        [answer] = await bot.say(f"/search {query}")
        assert answer.text.startswith(("没有找到", "搜索")), query


@pytest.mark.parametrize("command", ["/topic 知识产权保护", "/topic 知识产权", "/search 审查"])
async def test_a_page_button_tapped_twice_is_harmless(
    bot: BotDriver, api: TelegramStandIn, command: str
) -> None:
    [listing] = await bot.say(command)
    data = listing.buttons[0]["callback_data"]
    await bot.press(listing, data=data)
    page_two = listing.text
    replies = await bot.press(listing, data=data)  # the second tap of a double tap
    assert listing.text == page_two
    assert [r.text for r in replies] == []  # no "抱歉，处理你的消息时出了点问题"


@pytest.mark.parametrize("command", ["/topic 知识产权保护", "/search 审查"])
async def test_a_page_past_the_end_is_expired(
    bot: BotDriver, api: TelegramStandIn, command: str
) -> None:
    [listing] = await bot.say(command)
    before = listing.text
    action, key, _ = listing.buttons[0]["callback_data"].split(":")
    await bot.press(listing, data=f"{action}:{key}:9")
    assert listing.text == before
    assert api.callback_answers[-1].get("text") in (
        said("callback.expired"),
        said("search.expired"),
    )


async def test_a_keyword_listing_keeps_its_header_when_paged(bot: BotDriver) -> None:
    [listing] = await bot.say("/topic 知识产权")
    assert listing.text.startswith("关键词“知识产权”")
    await bot.press(listing, 0)
    assert listing.text.startswith("关键词“知识产权”")


async def test_a_page_button_of_one_chat_works_in_the_chat_it_was_sent_to(
    bot: BotDriver, api: TelegramStandIn
) -> None:
    [mine] = await bot.say("/search 审查")
    [theirs] = await bot.say("/search 审查", chat_id=EN_USER)
    await bot.press(mine, 0)
    await bot.press(theirs, 0)
    assert "（第 2/2 页）" in mine.text
    assert "(page 2/2)" in theirs.text


# --- /subscribe, /unsubscribe, /mysubs ---------------------------------------------------------


async def test_subscribe_several_names_at_once(bot: BotDriver, library: Library) -> None:
    lines = (await one(bot, "/subscribe 海牙 GI 乡村振兴")).split("\n")
    assert lines == [
        said("subscribe.added_topic", name="海牙协定"),
        said("subscribe.added_topic", name="地理标志"),
        said("subscribe.added_keyword", keyword="乡村振兴", count=1),
        said("subscribe.footer"),
    ]
    listing = (await mysubs(bot)).split("\n")
    assert listing == [
        said("mysubs.header", count=3, limit=MAX_SUBSCRIPTIONS),
        said("mysubs.topic_line", name="海牙协定", count=len(on_topic(library, "hague"))),
        said("mysubs.topic_line", name="地理标志", count=len(on_topic(library, "gi"))),
        said("mysubs.keyword_line", keyword="乡村振兴", count=1),
    ]


async def test_subscribe_by_english_and_multi_word_names(bot: BotDriver) -> None:
    for names, topic in [
        ("Hague Agreement", "海牙协定"),
        ("geographical indications", "地理标志"),
        ("ＨＡＧＵＥ", "海牙协定"),
        ("pledge-financing", "质押融资"),
        ("海牙 协定", "海牙协定"),
    ]:
        lines = (await one(bot, f"/subscribe {names}")).split("\n")
        assert lines == [said("subscribe.added_topic", name=topic), said("subscribe.footer")]
        assert (await mysubs(bot)).count("\n") == 1
        await unsubscribe_all(bot)


async def test_names_separated_by_commas_and_enumeration_marks(bot: BotDriver) -> None:
    text = await one(bot, "/subscribe Hague Agreement, 商标、geographical indications，乡村振兴")
    assert text.count("✅") == 4
    assert said("mysubs.header", count=4, limit=MAX_SUBSCRIPTIONS) in await mysubs(bot)


async def test_subscribing_twice_says_already(bot: BotDriver) -> None:
    await bot.say("/subscribe 海牙 乡村振兴")
    lines = (await one(bot, "/subscribe Hague 乡村振兴")).split("\n")
    assert lines[:2] == [
        said("subscribe.already", name="海牙协定"),
        said("subscribe.already", name="“乡村振兴”"),
    ]
    assert said("mysubs.header", count=2, limit=MAX_SUBSCRIPTIONS) in await mysubs(bot)


async def test_subscribing_to_an_unknown_name_suggests_topics(bot: BotDriver) -> None:
    lines = (await one(bot, "/subscribe 海牙公约")).split("\n")
    assert lines[0].startswith(said("subscribe.unknown", query="海牙公约"))
    assert said("topic.suggest", names="海牙协定") in lines[0]
    assert await mysubs(bot) == said("mysubs.empty")


async def test_a_keyword_longer_than_thirty_characters_is_refused(bot: BotDriver) -> None:
    keyword = "知识产权" * 8
    lines = (await one(bot, f"/subscribe {keyword}")).split("\n")
    assert lines[0] == said("subscribe.too_long", query=keyword[:23] + "…", limit=30)
    assert await mysubs(bot) == said("mysubs.empty")


async def test_subscribing_to_markup_or_emoji_gets_a_clear_line(bot: BotDriver) -> None:
    for argument in ("<b>", "<b>海牙</b>", "&", "😀" * 500, "%", "_", "'; DROP TABLE chats; --"):
        [answer] = await bot.say(f"/subscribe {argument}")
        assert answer.text.startswith(("❓", "⚠️")), argument
        assert len(answer.text) < 600
    assert await mysubs(bot) == said("mysubs.empty")


async def test_subscribe_without_argument_explains_usage(bot: BotDriver) -> None:
    assert await one(bot, "/subscribe") == said("subscribe.usage")
    assert await one(bot, "/subscribe ,,， 、") == said("subscribe.usage")


async def test_the_thirty_first_subscription_is_refused(bot: BotDriver, library: Library) -> None:
    topics = library.catalog.topics
    added = (await one(bot, "/subscribe " + ", ".join(t.slug for t in topics[:30]))).split("\n")
    assert added[:-1] == [said("subscribe.added_topic", name=t.zh) for t in topics[:30]]
    assert said("mysubs.header", count=30, limit=30) in await mysubs(bot)

    refused = (await one(bot, f"/subscribe {topics[30].zh} 乡村振兴")).split("\n")
    assert refused[:2] == [
        said("subscribe.limit", limit=30, query=topics[30].zh),
        said("subscribe.limit", limit=30, query="乡村振兴"),
    ]
    assert said("mysubs.header", count=30, limit=30) in await mysubs(bot)

    await bot.say("/unsubscribe 海牙")  # room for one again
    assert (await one(bot, f"/subscribe {topics[30].zh}")).startswith("✅")
    assert said("mysubs.header", count=30, limit=30) in await mysubs(bot)


async def test_the_limit_counts_within_one_command(bot: BotDriver, library: Library) -> None:
    topics = library.catalog.topics
    await bot.say("/subscribe " + ", ".join(t.slug for t in topics[:28]))
    lines = (await one(bot, f"/subscribe {topics[28].zh} 乡村振兴 {topics[29].zh}")).split("\n")
    assert lines[:3] == [
        said("subscribe.added_topic", name=topics[28].zh),
        said("subscribe.added_keyword", keyword="乡村振兴", count=1),
        said("subscribe.limit", limit=30, query=topics[29].zh),
    ]


async def test_at_the_limit_an_existing_subscription_is_still_already(
    bot: BotDriver, library: Library
) -> None:
    await bot.say("/subscribe " + ", ".join(t.slug for t in library.catalog.topics[:30]))
    first = library.catalog.topics[0]
    lines = (await one(bot, f"/subscribe {first.zh}")).split("\n")
    assert lines[0] == said("subscribe.already", name=first.zh)


async def test_every_name_of_a_long_subscribe_gets_a_line(bot: BotDriver, library: Library) -> None:
    topics = library.catalog.topics
    text = await one(bot, "/subscribe " + ", ".join(t.slug for t in topics[:31]))
    assert topics[30].slug in text  # the names not handled are quoted as typed


async def test_a_topic_name_with_an_enumeration_mark_works_where_it_is_whole(
    bot: BotDriver,
) -> None:
    [listing] = await bot.say("/topic 人才、队伍和智库建设")
    assert listing.text.startswith("主题：人才、队伍和智库建设 — 共 7 段")
    await bot.say("/subscribe talent")
    assert await one(bot, "/unsubscribe 人才、队伍和智库建设") == said(
        "unsubscribe.removed", name="人才、队伍和智库建设"
    )


@pytest.mark.parametrize(
    ("chat_id", "name"),
    [(LI, "人才、队伍和智库建设"), (EN_USER, "Talent, workforce and think tanks")],
)
async def test_subscribe_accepts_every_topic_name_as_shown(
    bot: BotDriver, chat_id: int, name: str
) -> None:
    lines = (await one(bot, f"/subscribe {name}", chat_id=chat_id)).split("\n")
    assert len(lines) == 2  # one line for the topic, then the footer
    assert lines[0].startswith("✅")


async def test_a_group_member_cannot_subscribe_an_admin_can(
    bot: BotDriver, api: TelegramStandIn, group: int
) -> None:
    for command in ("/subscribe 海牙", "/unsubscribe 海牙", "/unsubscribe all"):
        assert await one(bot, command, chat_id=group, user_id=LI) == said("subscribe.not_admin")
    assert await mysubs(bot, group) == said("mysubs.empty")  # anyone may look

    assert (await one(bot, "/subscribe 海牙", chat_id=group, user_id=ADMIN)).startswith("✅")
    assert "海牙协定" in await mysubs(bot, group)
    assert await one(bot, "/unsubscribe 海牙", chat_id=group, user_id=LI) == said(
        "subscribe.not_admin"
    )
    assert "海牙协定" in await mysubs(bot, group)
    assert await mysubs(bot, LI) == said("mysubs.empty")  # the group's, not the member's
    asked = [c.params for c in api.calls_of("getChatMember")]
    assert {(p["chat_id"], p["user_id"]) for p in asked} == {(group, LI), (group, ADMIN)}


async def test_usage_is_shown_to_group_members_without_asking_telegram(
    bot: BotDriver, api: TelegramStandIn, group: int
) -> None:
    assert await one(bot, "/subscribe", chat_id=group, user_id=LI) == said("subscribe.usage")
    assert api.calls_of("getChatMember") == []


def group_message(text: str, sender_chat: JSON, message_id: int) -> JSON:
    """A message sent on behalf of a chat: an anonymous admin (the group) or a channel."""
    command = text.split()[0]
    return {
        "message": {
            "message_id": message_id,
            "date": 0,
            "chat": {"id": GROUP, "type": "group", "title": "G"},
            "from": GROUP_ANONYMOUS_BOT,
            "sender_chat": sender_chat,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
        }
    }


async def test_an_anonymous_group_admin_may_subscribe(
    bot: BotDriver, api: TelegramStandIn, group: int
) -> None:
    the_group = {"id": group, "type": "group", "title": "G"}
    await bot.feed(group_message("/subscribe 海牙 GI", the_group, 900))
    [reply] = api.bot_messages(group)
    assert reply.text.startswith(said("subscribe.added_topic", name="海牙协定"))
    assert api.calls_of("getChatMember") == []  # the group itself speaks: no need to ask
    await bot.feed(group_message("/unsubscribe GI", the_group, 901))
    assert api.bot_messages(group)[-1].text == said("unsubscribe.removed", name="地理标志")
    assert said("mysubs.header", count=1, limit=MAX_SUBSCRIPTIONS) in await mysubs(bot, group)


async def test_a_message_on_behalf_of_a_channel_may_not_subscribe(
    bot: BotDriver, api: TelegramStandIn, group: int
) -> None:
    channel = {"id": -1001234, "type": "channel", "title": "Some channel"}
    await bot.feed(group_message("/subscribe 海牙", channel, 900))
    [reply] = api.bot_messages(group)
    assert reply.text == said("subscribe.not_admin")
    assert await mysubs(bot, group) == said("mysubs.empty")


async def unsubscribe_all(bot: BotDriver, word: str = "all") -> str:
    """`/unsubscribe all` asks first; confirm, and return what it says then."""
    [question] = await bot.say(f"/unsubscribe {word}")
    await bot.press(question, 0)
    return question.text


async def test_unsubscribe_a_topic_a_keyword_and_all(bot: BotDriver) -> None:
    await bot.say("/subscribe 海牙 GI 乡村振兴 商标")
    assert await one(bot, "/unsubscribe Hague Agreement") == said(
        "unsubscribe.removed", name="海牙协定"
    )
    assert await one(bot, "/unsubscribe 乡村振兴") == said("unsubscribe.removed", name="“乡村振兴”")
    assert await one(bot, "/unsubscribe 海牙") == said("unsubscribe.not_subscribed", query="海牙")
    assert said("mysubs.header", count=2, limit=MAX_SUBSCRIPTIONS) in await mysubs(bot)
    assert (await unsubscribe_all(bot)).startswith(
        said("unsubscribe.removed_all", count=2, names="地理标志、商标")
    )
    assert await mysubs(bot) == said("mysubs.empty")


async def test_unsubscribe_all_in_any_spelling(bot: BotDriver) -> None:
    for word in ("all", "ALL", "全部", "所有", "Ａｌｌ"):
        await bot.say("/subscribe 海牙 乡村振兴")
        done = await unsubscribe_all(bot, word)
        assert done.startswith(
            said("unsubscribe.removed_all", count=2, names="海牙协定、“乡村振兴”")
        )
        assert await mysubs(bot) == said("mysubs.empty")


async def test_unsubscribe_what_is_not_subscribed_or_nothing(bot: BotDriver) -> None:
    assert await one(bot, "/unsubscribe") == said("unsubscribe.usage")
    assert await one(bot, "/unsubscribe 商标") == said("unsubscribe.not_subscribed", query="商标")
    assert await one(bot, "/unsubscribe <b>") == said("unsubscribe.not_subscribed", query="<b>")
    long = await one(bot, "/unsubscribe " + "😀" * 500)
    assert long.startswith("你没有订阅“😀")
    assert len(long) < 200


async def test_a_keyword_is_matched_whatever_its_blanks(bot: BotDriver) -> None:
    await bot.say("/subscribe 乡村振兴")
    assert await one(bot, "/unsubscribe 乡村 振兴") == said(
        "unsubscribe.removed", name="“乡村 振兴”"
    )
    assert await mysubs(bot) == said("mysubs.empty")


async def test_mysubs_empty_and_with_counts(bot: BotDriver, library: Library) -> None:
    assert await mysubs(bot) == said("mysubs.empty")
    await bot.say("/subscribe 知识产权保护 乡村振兴")
    [listing] = await bot.say("/mysubs")
    assert listing.html is not None
    assert listing.html.startswith("<b>")
    assert listing.text.split("\n") == [
        "本聊天的订阅（2/30）：",
        f"• 知识产权保护（主题，{len(on_topic(library, 'protection'))} 段）",
        "• “乡村振兴”（关键词，1 段）",
    ]


async def test_subscriptions_belong_to_the_chat(bot: BotDriver) -> None:
    await bot.say("/subscribe 海牙")
    assert await mysubs(bot, EN_USER) == said("mysubs.empty", "en")
    assert "海牙协定" in await mysubs(bot, LI)


# --- deep links ------------------------------------------------------------------------------


async def test_a_topic_deep_link_asks_before_subscribing(
    bot: BotDriver, api: TelegramStandIn
) -> None:
    [question] = await bot.say("/start topic_hague")
    assert question.text == said("subscribe.confirm", name="海牙协定", count=2)
    assert labels(question) == ["✅ 订阅“海牙协定”"]
    assert await mysubs(bot) == said("mysubs.empty")  # a link alone changes nothing

    await bot.press(question, 0)
    assert question.text.split("\n") == [
        said("subscribe.added_topic", name="海牙协定"),
        said("subscribe.footer"),
    ]
    assert question.buttons == []
    assert "海牙协定（主题，2 段）" in await mysubs(bot)

    [again] = await bot.say("/start topic_hague")  # a second visit: the tap says "already"
    await bot.press(again, 0)
    assert again.text.startswith(said("subscribe.already", name="海牙协定"))
    assert said("mysubs.header", count=1, limit=MAX_SUBSCRIPTIONS) in await mysubs(bot)


async def test_a_topic_deep_link_in_a_group_needs_an_admin_tap(
    bot: BotDriver, api: TelegramStandIn, group: int
) -> None:
    [question] = await bot.say("/start topic_gi", chat_id=group, user_id=LI)
    await bot.press(question, 0, user_id=LI)
    assert api.callback_answers[-1]["text"] == said("subscribe.not_admin")
    assert api.callback_answers[-1].get("show_alert") is True
    assert question.edits == 0
    await bot.press(question, 0, user_id=ADMIN)
    assert question.text.startswith(said("subscribe.added_topic", name="地理标志"))


async def test_an_unknown_topic_deep_link_falls_back_to_the_contents(bot: BotDriver) -> None:
    for payload in ("topic_nosuch", "topic_", "topic_HAGUE", "topic_海牙", "topic_" + "x" * 60):
        welcome, contents = await bot.say(f"/start {payload}")
        assert "/sections" in welcome.text
        assert contents.text.startswith(said("start.unknown_payload"))
        assert len(contents.buttons) == 9
    assert await mysubs(bot) == said("mysubs.empty")


async def test_every_topic_has_a_working_deep_link(bot: BotDriver, library: Library) -> None:
    for topic in library.catalog.topics:
        [question] = await bot.say(f"/start topic_{topic.slug}")
        count = len(on_topic(library, topic.slug))
        assert question.text == said("subscribe.confirm", name=topic.zh, count=count)
    assert await mysubs(bot) == said("mysubs.empty")


# --- inline mode -----------------------------------------------------------------------------


async def inline(bot: BotDriver, api: TelegramStandIn, query: str, user_id: int = LI) -> list[JSON]:
    """Type `@bot query` and return the results the bot offered."""
    before = len(api.inline_answers)
    update: JSON = {
        "inline_query": {
            "id": f"iq{before}",
            "from": api.users[user_id],
            "query": query,
            "offset": "",
        }
    }
    await bot.feed(update)
    assert len(api.inline_answers) == before + 1
    answer = api.inline_answers[-1]
    assert answer["inline_query_id"] == f"iq{before}"
    results: list[JSON] = answer["results"]
    assert len(results) <= 50
    assert len({r["id"] for r in results}) == len(results)
    for result in results:
        assert result["type"] == "article"
        assert 1 <= len(result["id"].encode()) <= 64
        content = result["input_message_content"]
        if content.get("parse_mode") == "HTML":
            parse_telegram_html(content["message_text"])  # refuses invalid HTML
        assert len(content["message_text"]) <= 4096
    return results


def shared_text(result: JSON) -> str:
    content = result["input_message_content"]
    text: str = content["message_text"]
    return parse_telegram_html(text) if content.get("parse_mode") == "HTML" else text


async def test_inline_query_offers_passages_with_their_reference(
    bot: BotDriver, api: TelegramStandIn, library: Library
) -> None:
    results = await inline(bot, api, "海牙")
    expected = containing(library, "海牙")
    assert len(results) == len(expected)
    title = library.primary.document.title
    for result in results:
        text = shared_text(result)
        [reference] = re.findall(r"〔[^〕]+〕", result["title"])
        assert text.endswith(f"—— 《{title}》{reference}")
        assert any(text.startswith(passage) for passage in expected)


async def test_inline_query_by_english_topic_name(bot: BotDriver, api: TelegramStandIn) -> None:
    results = await inline(bot, api, "Hague")
    assert len(results) == 2
    assert all("海牙" in shared_text(r) for r in results)


async def test_empty_inline_query_offers_the_sections(
    bot: BotDriver, api: TelegramStandIn, library: Library
) -> None:
    results = await inline(bot, api, "")
    sections = library.primary.document.sections
    assert len(results) == len(sections)
    assert results[0]["title"].startswith("〔总体思路〕")
    assert results[4]["title"].startswith("〔四〕 四、建设一流专利商标审查机构")
    for result in results:
        assert re.search(r"〔[^〕]+〕$", shared_text(result))
        assert "• " in shared_text(result)


async def test_inline_query_with_many_hits_answers_at_most_fifty(
    bot: BotDriver, api: TelegramStandIn, library: Library
) -> None:
    assert len(containing(library, "。")) > 50
    for query in ("。", "知识产权", "的"):
        results = await inline(bot, api, query)
        assert len(results) == min(50, len(containing(library, query))), query


async def test_inline_query_with_odd_text_answers_cleanly(
    bot: BotDriver, api: TelegramStandIn, library: Library
) -> None:
    for query in ("量子计算机", "<b>", "😀" * 500, "a" * 300):
        assert await inline(bot, api, query) == [], query
    blank = await inline(bot, api, "   ")  # nothing typed yet: the sections
    assert len(blank) == len(library.primary.document.sections)


async def test_english_clients_get_english_section_summaries_inline(
    bot: BotDriver, api: TelegramStandIn
) -> None:
    results = await inline(bot, api, "", user_id=EN_USER)
    assert "Hague Agreement" in shared_text(results[4])


async def test_language_dependent_inline_answers_are_personal(
    bot: BotDriver, api: TelegramStandIn
) -> None:
    zh = await inline(bot, api, "")
    en = await inline(bot, api, "", user_id=EN_USER)
    assert shared_text(zh[4]) != shared_text(en[4])
    assert api.inline_answers[-1].get("is_personal") is True


# --- English clients -------------------------------------------------------------------------


async def test_english_client_topics_subscribe_and_mysubs(
    bot: BotDriver, api: TelegramStandIn, library: Library
) -> None:
    [catalogue] = await bot.say("/topics", chat_id=EN_USER)
    assert catalogue.text == said("topics.header", "en")
    assert labels(catalogue) == [
        f"{t.en} ({len(on_topic(library, t.slug))})" for t in library.catalog.topics
    ]
    await bot.press(catalogue, button_for(catalogue, "Trademarks"))
    assert api.callback_answers[-1]["text"] == "Subscribed: Trademarks"

    lines = (await one(bot, "/subscribe Hague GI 乡村振兴 nosuchthing", chat_id=EN_USER)).split(
        "\n"
    )
    assert lines[:2] == [
        "✅ Subscribed to the topic: Hague Agreement",
        "✅ Subscribed to the topic: Geographical indications",
    ]
    assert lines[2].startswith("✅ Subscribed to the keyword “乡村振兴” (1 found")
    assert lines[3].startswith("❓ Nothing found for “nosuchthing”")
    assert lines[-1] == said("subscribe.footer", "en")

    listing = (await mysubs(bot, EN_USER)).split("\n")
    assert listing[:4] == [
        "This chat's subscriptions (4/30):",
        f"• Trademarks (topic, {len(on_topic(library, 'trademark'))} found)",
        "• Hague Agreement (topic, 2 found)",
        "• Geographical indications (topic, 5 found)",
    ]
    assert listing[4].startswith("• “乡村振兴” (keyword, 1 found")
    assert await one(bot, "/unsubscribe Trademarks", chat_id=EN_USER) == "Unsubscribed: Trademarks"
    assert await one(bot, "/unsubscribe everything", chat_id=EN_USER) == said(
        "unsubscribe.not_subscribed", "en", query="everything"
    )


async def test_english_client_topic_search_and_usage(bot: BotDriver) -> None:
    [listing] = await bot.say("/topic Hague", chat_id=EN_USER)
    assert listing.text.startswith("Topic: Hague Agreement — 2 found (page 1/1)")
    assert await one(bot, "/topic", chat_id=EN_USER) == said("topic.usage", "en")
    assert await one(bot, "/search", chat_id=EN_USER) == said("search.usage", "en")
    assert await one(bot, "/subscribe", chat_id=EN_USER) == said("subscribe.usage", "en")
    assert await one(bot, "/unsubscribe", chat_id=EN_USER) == said("unsubscribe.usage", "en")
    assert await mysubs(bot, EN_USER) == said("mysubs.empty", "en")
    nothing = await one(bot, "/topic Haag Convention", chat_id=EN_USER)
    assert nothing.startswith("Nothing found for “Haag Convention”")
    [found] = await bot.say("/search 审查", chat_id=EN_USER)
    assert labels(found) == ["Next page ›"]
    [question] = await bot.say("/start topic_gi", chat_id=EN_USER)
    assert question.text == said(
        "subscribe.confirm", "en", name="Geographical indications", count=5
    )
    assert labels(question) == ["✅ Subscribe to “Geographical indications”"]


# --- persistence -----------------------------------------------------------------------------


async def test_subscriptions_survive_a_restart_and_a_content_reimport(
    settings: Settings,
    database_url: str,
    api: TelegramStandIn,
    library: Library,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = replace(settings, database_url=database_url)  # empty: the first start imports
    caplog.set_level(logging.INFO, logger="bot.store.content_import")
    async with driven_bot(settings, api) as first:
        await first.say("/subscribe 海牙 GI 乡村振兴")
        await first.say("/subscribe Trademarks", chat_id=EN_USER)
        before = await mysubs(first)
        before_en = await mysubs(first, EN_USER)
        assert said("mysubs.header", count=3, limit=MAX_SUBSCRIPTIONS) in before
        assert said("mysubs.header", "en", count=1, limit=MAX_SUBSCRIPTIONS) in before_en
        [catalogue] = await first.say("/topics")
        [result] = await first.say("/search 审查")
        store = first.application.bot_data.services.store
        async with store.transaction() as repo:
            await repo.session.merge(ContentStateRow(key="content_hash", value="stale"))
    api._polls_released = False  # the next Application long-polls again

    async with driven_bot(settings, api) as second:
        assert await mysubs(second) == before
        assert await mysubs(second, EN_USER) == before_en
        [after] = await second.say("/topics")
        assert labels(after) == labels(catalogue)
        store = second.application.bot_data.services.store
        async with store.transaction() as repo:
            assert await repo.stored_content_hash() == library.content_hash
        # buttons of messages sent before the restart still work
        await second.press(result, 0)
        assert "（第 2/2 页）" in result.text
        await second.press(catalogue, button_for(catalogue, "海牙协定"))
        assert not labels(catalogue)[button_for(catalogue, "海牙协定")].startswith("✅")
        assert said("mysubs.header", count=2, limit=MAX_SUBSCRIPTIONS) in await mysubs(second)
        [search] = await second.say("/search 地理标志")  # the full-text index was rebuilt
        assert "共 5 段" in search.text

    imports = [r for r in caplog.records if "content imported" in r.getMessage()]
    assert len(imports) == 2


async def test_a_restart_without_content_changes_does_not_reimport(
    settings: Settings,
    database_url: str,
    api: TelegramStandIn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = replace(settings, database_url=database_url)  # empty: the first start imports
    caplog.set_level(logging.INFO, logger="bot.store.content_import")
    async with driven_bot(settings, api) as first:
        await first.say("/subscribe 海牙 乡村振兴")
        before = await mysubs(first)
    api._polls_released = False
    async with driven_bot(settings, api) as second:
        assert await mysubs(second) == before
    assert len([r for r in caplog.records if "content imported" in r.getMessage()]) == 1


async def test_subscriptions_survive_a_reimport_while_running(
    bot: BotDriver, library: Library
) -> None:
    await bot.say("/subscribe 知识产权保护 乡村振兴")
    before = await mysubs(bot)
    [catalogue] = await bot.say("/topics")
    store = bot.application.bot_data.services.store
    assert await sync_content(store, replace(library, content_hash="changed")) is True
    assert await mysubs(bot) == before
    [after] = await bot.say("/topics")
    assert labels(after) == labels(catalogue)
    [listing] = await bot.say("/topic 知识产权保护")
    await bot.press(listing, 0)
    assert "（第 2/2 页）" in listing.text
