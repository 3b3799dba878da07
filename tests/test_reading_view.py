"""The reading view: a table of contents that says each heading once (the text has the headings,
the buttons only their numbers), and a full text that reads as paragraphs and ends with the
card's navigation."""

from __future__ import annotations

import re

import pytest

from bot import render
from bot.i18n import Translator
from bot.store.repository import SectionView
from content.library import Library
from entry.standin import parse_telegram_html
from tests.support.driver import BotDriver

EN_USER = 2002
HEADING_4 = "四、建设一流专利商标审查机构，全面打赢审查提质增效攻坚战。"


@pytest.fixture(scope="module")
def translate() -> Translator:
    return Translator.load()


def _rows(message: object) -> list[list[str]]:
    markup = getattr(message, "reply_markup", None) or {}
    return [[button["text"] for button in row] for row in markup.get("inline_keyboard", [])]


async def test_contents_lists_headings_in_the_text_and_numbers_on_the_buttons(
    bot: BotDriver, library: Library
) -> None:
    [contents] = await bot.say("/sections")
    for section in library.primary.document.numbered_sections:
        assert contents.text.count(section.heading) == 1  # each heading once, in full
    assert HEADING_4 in contents.text
    assert _rows(contents) == [["总体思路"], ["一", "二", "三", "四"], ["五", "六", "七", "八"]]
    assert all(len(b["callback_data"].encode()) <= 64 for b in contents.buttons)
    await bot.press(contents, 4)  # "四"
    assert contents.text.startswith(HEADING_4)


async def test_contents_in_english_numbers_the_english_headings(
    bot: BotDriver, library: Library
) -> None:
    [contents] = await bot.say("/sections", chat_id=EN_USER)
    assert _rows(contents) == [["Intro"], ["1", "2", "3", "4"], ["5", "6", "7", "8"]]
    assert "\n4. Building first-class patent and trademark examination" in contents.text
    assert HEADING_4 in contents.text  # the original under it
    assert "Tap a number" in contents.text
    await bot.press(contents, 0, user_id=EN_USER)
    assert contents.text.startswith("总体思路")


async def test_full_text_reads_as_paragraphs_and_ends_with_the_navigation(
    bot: BotDriver, library: Library
) -> None:
    [card] = await bot.say("/section 4")
    [full] = await bot.press(card, 0)
    header, title, blank, *body = full.text.split("\n")
    assert (header, title, blank) == ("第四部分 · 全文", HEADING_4, "")
    paragraphs = "\n".join(body).split("\n\n")
    assert 3 <= len(paragraphs) <= 8  # neither one wall nor a line per sentence
    section = library.primary.document.sections[4]
    assert "".join(paragraphs) == section.body
    passages = [p.text for p in section.passages]
    for paragraph in paragraphs:  # whole passages only, never a sentence cut in two
        assert paragraph.endswith("。")
        assert any(paragraph.startswith(p) for p in passages)
    assert _rows(full) == [["‹ 三", "目录", "五 ›"]]

    # Its buttons answer with new messages: the text stays as it was.
    text = full.text
    [following] = await bot.press(full, 2)
    assert following.text.startswith("五、完善市场化运行机制")
    assert _rows(following)[0] == ["📄 全文"]
    [contents] = await bot.press(full, 1)
    assert _rows(contents)[1] == ["一", "二", "三", "四"]
    [previous] = await bot.press(full, 0)
    assert previous.text.startswith("三、严格知识产权保护")
    assert full.text == text
    assert full.edits == 0


async def test_full_text_of_the_first_and_last_sections_has_no_dangling_buttons(
    bot: BotDriver,
) -> None:
    [intro] = await bot.say("/section 0")
    [full] = await bot.press(intro, 0)
    assert _rows(full) == [["目录", "一 ›"]]
    [last] = await bot.say("/section 8", chat_id=EN_USER)
    [full] = await bot.press(last, 0, user_id=EN_USER)
    assert _rows(full) == [["‹ 7", "Contents"]]


def _section(body: str) -> SectionView:
    return SectionView(
        number=3, heading="标题。", heading_en="", body=body, summary_zh=(), summary_en=()
    )


def test_short_passages_are_joined_and_long_ones_stand_alone() -> None:
    short, long = "短句子。" * 5, "长" * 200 + "。"
    groups = render.paragraphs([short, short, short, long, short])
    assert groups == [[short, short, short], [long], [short]]
    assert render.paragraphs(["一。", "二。"]) == [["一。", "二。"]]  # a short last one joins


def test_a_long_full_text_has_the_navigation_only_on_its_last_part(
    translate: Translator,
) -> None:
    sentences = [f"第{i}句，" + "长" * 300 + "。" for i in range(40)]
    messages = render.full_text(translate, "zh", _section("".join(sentences)), sentences)
    assert len(messages) > 3
    for message in messages:
        plain = parse_telegram_html(message)
        assert len(plain) <= render.MESSAGE_LIMIT
        body = plain.split("\n", 3)[3]
        # Split between sentences, and every sentence a paragraph of its own here.
        assert re.fullmatch(r"(第\d+句，长+。)(\n\n第\d+句，长+。)*", body)
    keyboard = render.section_keyboard(translate, "zh", 3, range(9), under_full_text=True)
    data = [b.callback_data for row in keyboard.inline_keyboard for b in row]
    assert data == ["card:2", "toc:new", "card:4"]
