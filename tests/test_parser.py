"""The parser against the work plan as received, and against small texts that isolate each rule."""

from __future__ import annotations

import re
from datetime import date

import pytest

from content.library import CONTENT_DIR
from content.numerals import parse_chinese_numeral, to_chinese_numeral
from content.parser import Document, ParseError, parse_document, split_passages

SOURCE = (CONTENT_DIR / "documents" / "cnipa-2022-work-plan.md").read_text(encoding="utf-8")

HEADINGS = [
    "坚持政治引领，不断加强党建和党风廉政建设。",
    "认真贯彻中央部署，全面推进知识产权强国建设。",
    "严格知识产权保护，优化创新环境和营商环境。",
    "建设一流专利商标审查机构，全面打赢审查提质增效攻坚战。",
    "完善市场化运行机制，促进知识产权转化运用。",
    "优化知识产权服务体系，提升服务能力水平。",
    "统筹国际合作和竞争，深度参与知识产权全球治理。",
    "加强干部队伍建设和综合服务保障，支撑知识产权强国建设。",
]

# Sentences the reprint split at a page break, and the section each must be whole in.
REPAIRED = [
    (1, "党的路线、方针、政策。"),
    (2, "配合做好国家高质量发展综合绩效评价。"),
    (4, "完善以国家需求和用户满意为导向的专利、商标审查管理体制"),
    (5, "启动建设国家级专利导航服务基地。"),
    (7, "积极参与世界知识产权组织框架下的新领域、新业态国际规则和标准制定。"),
    (7, "《区域全面经济伙伴关系协定》( RCEP ) 知识产权相关内容"),
    (8, "大力发展知识产权高端智库，充分发挥专家学者咨询作用。"),
]


@pytest.fixture(scope="module")
def document() -> Document:
    return parse_document(SOURCE)


def test_metadata(document: Document) -> None:
    assert document.title == "国家知识产权局 2022 年工作要点"
    assert document.published == date(2022, 6, 21)
    assert document.source_url == "https://www.cnipa.gov.cn/art/2022/6/21/art_92_176128.html"


def test_eight_sections_with_exact_headings(document: Document) -> None:
    assert [s.number for s in document.numbered_sections] == list(range(1, 9))
    assert [s.heading for s in document.numbered_sections] == HEADINGS
    assert [s.numeral for s in document.numbered_sections] == list("一二三四五六七八")


def test_intro_is_section_zero(document: Document) -> None:
    intro = document.intro
    assert (intro.number, intro.heading) == (0, "总体思路")
    assert intro.body.startswith("国家知识产权局 2022 年工作的总体思路是：")
    assert intro.body.endswith("奋力开创知识产权强国建设新局面。")


@pytest.mark.parametrize(("section_number", "sentence"), REPAIRED)
def test_page_breaks_are_repaired(document: Document, section_number: int, sentence: str) -> None:
    section = document.sections[section_number]
    holders = [p for p in section.passages if sentence.rstrip("。") in p.text]
    assert len(holders) == 1, f"{sentence!r} should lie whole inside one passage"


def test_passages_are_sentences(document: Document) -> None:
    for section in document.sections:
        assert [p.ordinal for p in section.passages] == list(range(1, len(section.passages) + 1))
        for passage in section.passages:
            assert passage.section_number == section.number
            assert passage.text.endswith("。")
            assert "。" not in passage.text[:-1]
            assert passage.text == passage.text.strip()
    assert [len(s.passages) for s in document.sections] == [1, 10, 7, 16, 12, 14, 11, 12, 14]


def _non_blank(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_every_character_of_the_body_lands_in_exactly_one_passage(document: Document) -> None:
    """Computed from the raw file independently of the parser: drop the title, date and trailer
    lines and the heading markup; what remains, in order, is exactly the passages joined."""
    lines = SOURCE.splitlines()
    body_lines = [
        line
        for line in lines
        if line.strip()
        and not line.startswith("# ")
        and not line.startswith("发布时间")
        and not line.startswith("出所")
        and not line.startswith("[http")
    ]
    raw = _non_blank(
        "".join(re.sub(r"^\*\*[一二三四五六七八]、.+?\*\*", "", ln) for ln in body_lines)
    )
    joined = _non_blank("".join(p.text for s in document.sections for p in s.passages))
    assert joined == raw
    assert len(joined) == len(raw) > 3000


def test_a_paragraph_that_opens_no_section_continues_the_one_before() -> None:
    text = (
        "# T\n\n发布时间：2020-01-02\n\n引言。\n\n"
        "**一、甲。**第一句。第二\n\n句。\n\n**二、乙。**丙。\n"
    )
    parsed = parse_document(text)
    assert [p.text for p in parsed.sections[1].passages] == ["第一句。", "第二句。"]
    assert parsed.intro.body == "引言。"
    assert parsed.source_url == ""


def test_trailing_text_without_a_full_stop_is_kept() -> None:
    assert [p.text for p in split_passages(3, "一。二")] == ["一。", "二"]
    assert split_passages(3, "   ") == ()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("no title\n", "title"),
        ("# T\n\n**一、甲。**乙。\n", "发布时间"),
        ("# T\n\n发布时间：2020-01-02\n\n只有引言。\n", "section heading"),
        ("# T\n\n发布时间：2020-01-02\n\n**二、甲。**乙。\n", "section 1 was expected"),
    ],
)
def test_malformed_texts_are_refused_with_a_reason(text: str, problem: str) -> None:
    with pytest.raises(ParseError, match=problem):
        parse_document(text)


def test_chinese_numerals_round_trip() -> None:
    for number in range(100):
        assert parse_chinese_numeral(to_chinese_numeral(number)) == number
    assert to_chinese_numeral(4) == "四"
    assert to_chinese_numeral(21) == "二十一"
    for bad in ("", "四四", "十十", "abc", "〇十"):
        assert parse_chinese_numeral(bad) is None
