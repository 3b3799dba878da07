"""The English translation and the glossary, held to the original: every passage translated, and
nothing of the Chinese a reader relies on lost (numbers, cited titles, glossary terms, acronyms)."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from content.library import CONTENT_DIR, ContentError, Library, WorkPlan, load_library
from content.translation import (
    Glossary,
    GlossaryEntry,
    Translation,
    arabic_numbers,
    book_titles,
    latin_acronyms,
    load_glossary,
    load_translation,
    renders,
    text_problems,
    translation_problems,
)


@pytest.fixture(scope="module")
def plan(library: Library) -> WorkPlan:
    return library.primary


@pytest.fixture(scope="module")
def translation(plan: WorkPlan) -> Translation:
    assert plan.translation is not None, f"content/translations/{plan.slug}.toml is missing"
    return plan.translation


def _passages(plan: WorkPlan) -> list[tuple[str, str]]:
    return [
        (f"{section.number}.{passage.ordinal}", passage.text)
        for section in plan.document.sections
        for passage in section.passages
    ]


def _copy_content(tmp_path: Path) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return copy


# --- The translation covers the document -------------------------------------------------------


def test_every_plan_has_a_translation_of_itself(library: Library) -> None:
    for plan in library.plans:
        assert plan.translation is not None, plan.slug
        assert plan.translation.document == plan.slug


def test_every_passage_has_a_translation_and_no_other(
    plan: WorkPlan, translation: Translation
) -> None:
    keys = [key for key, _ in _passages(plan)]
    assert len(keys) == 97  # 1 + 10 + 7 + 16 + 12 + 14 + 11 + 12 + 14, as in tests/test_parser.py
    assert sorted(translation.passages) == sorted(keys)
    assert [key for key in keys if not translation.passages[key].strip()] == []


def test_every_section_has_a_heading_and_the_title_is_translated(
    plan: WorkPlan, translation: Translation
) -> None:
    assert sorted(translation.headings) == [s.number for s in plan.document.sections]
    assert all(heading.strip() for heading in translation.headings.values())
    assert "2022" in translation.title
    assert "China National Intellectual Property Administration" in translation.title


def test_summaries_headings_agree_with_the_translation(
    plan: WorkPlan, translation: Translation
) -> None:
    for number, summary in plan.summaries.items():
        assert summary.heading_en == translation.headings[number], number


# --- Nothing of the original is lost ------------------------------------------------------------


def test_every_arabic_number_survives(plan: WorkPlan, translation: Translation) -> None:
    lost = {}
    for key, chinese in _passages(plan):
        english = arabic_numbers(translation.passages[key])
        missing = [n for n in arabic_numbers(chinese) if english.count(n) < chinese.count(n)]
        if missing:
            lost[key] = missing
    assert lost == {}


def test_every_cited_title_is_in_the_glossary(library: Library, plan: WorkPlan) -> None:
    titles = {title for _, chinese in _passages(plan) for title in book_titles(chinese)}
    assert len(titles) >= 11
    assert sorted(t for t in titles if library.glossary.entry(t) is None) == []


def test_every_cited_title_is_rendered_by_its_glossary_name(
    library: Library, plan: WorkPlan, translation: Translation
) -> None:
    wrong = []
    for key, chinese in _passages(plan):
        for title in book_titles(chinese):
            entry = library.glossary.entry(title)
            if entry and entry.en not in translation.passages[key]:
                wrong.append((key, title, entry.en))
    assert wrong == []


def test_every_glossary_term_is_rendered_by_its_name(
    library: Library, plan: WorkPlan, translation: Translation
) -> None:
    texts = [
        (f"passage {key}", chinese, translation.passages[key]) for key, chinese in _passages(plan)
    ]
    texts += [
        (f"heading {s.number}", s.heading, translation.headings[s.number])
        for s in plan.document.sections
    ]
    wrong = [
        (label, entry.zh, entry.en)
        for label, chinese, english in texts
        for entry in library.glossary.find(chinese)
        if not renders(entry, english)
    ]
    assert wrong == []


def test_every_latin_acronym_survives(plan: WorkPlan, translation: Translation) -> None:
    found = {
        (key, acronym)
        for key, chinese in _passages(plan)
        for acronym in latin_acronyms(chinese)
        if not re.search(rf"(?<![A-Za-z]){acronym}", translation.passages[key])
    }
    assert found == set()
    assert {a for _, chinese in _passages(plan) for a in latin_acronyms(chinese)} == {
        "RCEP",
        "CPTPP",
        "WTO",
        "TISC",
    }


def test_translation_problems_finds_none(library: Library) -> None:
    for plan in library.plans:
        assert plan.translation is not None
        assert translation_problems(plan.document, plan.translation, library.glossary) == []


def test_names_the_brief_settled(library: Library, translation: Translation) -> None:
    glossary = library.glossary
    assert glossary.english("专利开放许可") == "patent open licensing"
    assert glossary.english("非正常申请") == "abnormal applications"
    assert glossary.english("《海牙协定》") == "Hague Agreement"
    plan_name = glossary.english("《“十四五”国家知识产权保护和运用规划》") or ""
    assert "14th Five-Year Plan" in plan_name
    assert "Protection and Utilization of Intellectual Property" in plan_name
    # The text writes the Guidelines' dates with and without a blank; one entry serves both.
    assert glossary.english("《知识产权强国建设纲要（2021-2035 年）》") == glossary.english(
        "《知识产权强国建设纲要（2021—2035年）》"
    )


def test_no_english_says_bad_faith_or_the_fourteenth_five_year_plan(
    plan: WorkPlan, translation: Translation
) -> None:
    """非正常申请 is not 恶意 (bad faith), and the IP plan is not the national five-year plan."""
    english = [*translation.passages.values(), *translation.headings.values()]
    english += [point for summary in plan.summaries.values() for point in summary.en]
    source = "".join(text for _, text in _passages(plan))
    for text in english:
        if "恶意" not in source:
            assert not re.search(r"bad[- ]faith", text, re.IGNORECASE), text
        assert not re.search(r"\bfourteenth five-year plan\b", text, re.IGNORECASE), text
        assert "(bad-faith)" not in text


def test_summaries_name_cited_titles_as_the_glossary_does(library: Library, plan: WorkPlan) -> None:
    for number, summary in plan.summaries.items():
        for zh, en in zip(summary.zh, summary.en, strict=True):
            for title in book_titles(zh):
                entry = library.glossary.entry(title)
                assert entry is not None, (number, title)
                assert entry.en in en, (number, title, en)
            if "十四五" in zh:
                assert "five-year plan for intellectual property protection" in en, (number, en)
            if "纲要" in zh:
                assert "Guidelines" in en, (number, en)
                assert "Outline" not in en, (number, en)


# --- The glossary -------------------------------------------------------------------------------


def test_glossary_entries_are_whole_and_used(library: Library) -> None:
    glossary = library.glossary
    assert len(glossary.entries) >= 30
    texts = [
        text
        for plan in library.plans
        for section in plan.document.sections
        for text in (section.heading, section.body)
    ]
    for entry in glossary.entries:
        assert entry.zh.strip(), entry
        assert entry.en.strip() == entry.en, entry
        assert entry.en, entry
        assert "\n" not in entry.en, entry
        assert any(entry in glossary.find(text) for text in texts), f"{entry.zh} is not used"


# --- The checks themselves ----------------------------------------------------------------------


def test_arabic_numbers_normalise_full_width_digits_and_split_ranges() -> None:
    assert arabic_numbers("（２０２１—２０３５年）") == ["2021", "2035"]
    assert arabic_numbers("2021-2035 年") == ["2021", "2035"]
    assert arabic_numbers("十四五") == []


def test_book_titles_and_acronyms() -> None:
    text = (
        "《工业品外观设计国际注册海牙协定》（以下简称《海牙协定》）、"
        "世界贸易组织 ( WTO ) 和（ＴＩＳＣ）"
    )
    assert book_titles(text) == ["《工业品外观设计国际注册海牙协定》", "《海牙协定》"]
    assert latin_acronyms(text) == ["WTO", "TISC"]


def test_glossary_finds_the_longest_term_and_ignores_blanks() -> None:
    glossary = Glossary(
        (
            GlossaryEntry("国家知识产权局", "CNIPA"),
            GlossaryEntry("金砖国家知识产权局局长会议", "BRICS Heads of IP Offices Meeting"),
            GlossaryEntry("地理标志", "geographical indications"),
            GlossaryEntry("《知识产权强国建设纲要（2021-2035年）》", "Guidelines (2021-2035)"),
        )
    )
    found = glossary.find("办好金砖国家知识产权局局长会议，国家知识产权局 2022 年")
    assert [e.zh for e in found] == ["金砖国家知识产权局局长会议", "国家知识产权局"]
    assert glossary.english("《知识产权强国建设纲要（2021-2035 年）》") == "Guidelines (2021-2035)"


def test_renders_rules() -> None:
    wto = GlossaryEntry("世界贸易组织", "World Trade Organization (WTO)")
    assert renders(wto, "the World Trade Organization reviews")
    assert renders(wto, "WTO trade policy reviews")
    assert not renders(wto, "the world trading body")
    gi = GlossaryEntry("地理标志", "geographical indications")
    assert renders(gi, "Geographical indications and a geographical indication product")
    assert renders(gi, "geographical indication products")
    hague = GlossaryEntry("《海牙协定》", "Hague Agreement")
    assert renders(hague, "accession to the “Hague Agreement”")
    assert not renders(hague, "accession to the hague agreement")


def test_text_problems_name_what_is_lost(library: Library) -> None:
    glossary = library.glossary
    chinese = (
        "有序落实《区域全面经济伙伴关系协定》( RCEP ) 知识产权相关内容，"
        "做好北京 2022 年冬奥会工作。"
    )
    good = (
        "Implement the IP provisions of the Regional Comprehensive Economic Partnership "
        "Agreement (RCEP) and the Beijing 2022 Games."
    )
    assert text_problems("x", chinese, good, glossary) == []
    assert text_problems("x", chinese, "", glossary) == ["x: no English"]
    lost = text_problems("x", chinese, "Implement the RCEP provisions for the Games.", glossary)
    assert any("['2022']" in problem for problem in lost)
    assert any("Regional Comprehensive Economic Partnership Agreement" in p for p in lost)
    lost = text_problems("x", chinese, good.replace("(RCEP)", ""), glossary)
    assert lost == ["x: RCEP is not in the English"]
    unknown = text_problems("x", "依据《未知规定》。", "Under the Unknown Provisions.", glossary)
    assert unknown == ["x: 《未知规定》 is not in the glossary"]


def test_translation_problems_name_missing_and_stray_passages(
    library: Library, plan: WorkPlan, translation: Translation
) -> None:
    passages = dict(translation.passages)
    del passages["4.7"]
    passages["9.1"] = "A passage the document does not have."
    broken = replace(translation, passages=passages, headings={**translation.headings, 3: ""})
    problems = translation_problems(plan.document, broken, library.glossary)
    assert "passage 4.7: no English" in problems
    assert "passage 9.1: not in the document" in problems
    assert "heading 3: no English" in problems


# --- Broken files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('title = "unterminated\n', r"broken\.toml: "),
        ('[passages]\n1.1 = "dotted, not quoted"\n', r"write the key in quotes"),
        ('[passages]\n"one" = "text"\n', r"'one' is not a passage id"),
        ('[passages]\n"1.1" = 3\n', r"passage 1\.1 must be a string"),
        ('[headings]\nzero = "Overall approach"\n', r"'zero' is not a section number"),
        ('[headings]\n"４" = "Security"\n', r"'４' is not a section number"),
        ('headings = "none"\n', r"\[headings\] must be a table"),
    ],
)
def test_a_broken_translation_file_raises_content_error(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError, match=message):
        load_translation(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[terms]]\nzh = "国务院"\n', r"term 1 needs zh and en"),
        ('[[terms]]\nzh = "国务院"\nen = ""\n', r"term 1 has an empty zh or en"),
        (
            '[[terms]]\nzh = "国务院"\nen = "State Council"\n'
            '[[terms]]\nzh = "国务院 "\nen = "the State Council"\n',
            r"国务院 appears twice",
        ),
        ("terms = 1\n", r"terms must be \[\[terms\]\] tables"),
        ("[[terms]\n", r"glossary\.toml: "),
    ],
)
def test_a_broken_glossary_raises_content_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "glossary.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError, match=message):
        load_glossary(path)


def test_the_library_refuses_a_broken_translation_naming_it(tmp_path: Path) -> None:
    copy = _copy_content(tmp_path)
    path = copy / "translations" / "cnipa-2022-work-plan.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('"0.1" = """', '"0.1" = "', 1))
    with pytest.raises(ContentError, match=r"cnipa-2022-work-plan\.toml"):
        load_library(copy)
