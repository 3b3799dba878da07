"""The curated summaries: shape, and traceability of every point to its own section."""

from __future__ import annotations

import itertools
import re
import shutil
from pathlib import Path

import pytest

from content.library import CONTENT_DIR, ContentError, Library, content_hash, load_library

CJK = re.compile(r"[\u4e00-\u9fff]")


def _bigrams(text: str) -> set[str]:
    return {a + b for a, b in itertools.pairwise(text) if CJK.match(a) and CJK.match(b)}


def _section_text(library: Library, number: int) -> str:
    section = library.primary.document.sections[number]
    return section.heading + section.body


def test_every_section_has_two_to_four_points_in_both_languages(library: Library) -> None:
    plan = library.primary
    assert sorted(plan.summaries) == list(range(9))
    for summary in plan.summaries.values():
        assert 2 <= len(summary.zh) <= 4
        assert len(summary.en) == len(summary.zh)
        assert summary.heading_en
        assert all(point.strip() and len(point) <= 40 for point in summary.zh)
        assert all(point.strip() and len(point) <= 140 for point in summary.en)


def test_chinese_points_use_their_sections_wording(library: Library) -> None:
    """At least 80 % of each point's two-character sequences occur in its own section."""
    for number, summary in library.primary.summaries.items():
        source = _section_text(library, number)
        source_bigrams = _bigrams(source)
        for point in summary.zh:
            grams = _bigrams(point)
            coverage = len(grams & source_bigrams) / len(grams)
            assert coverage >= 0.8, f"section {number}: {point!r} covers only {coverage:.0%}"


def test_names_titles_and_figures_in_points_come_from_their_section(library: Library) -> None:
    for number, summary in library.primary.summaries.items():
        source = _section_text(library, number)
        flat_source = re.sub(r"\s+", "", source)
        for point in summary.zh:
            for name in re.findall(r"《[^》]+》|“[^”]+”", point):
                assert re.sub(r"\s+", "", name) in flat_source, (number, name)
        for point in (*summary.zh, *summary.en):
            for token in re.findall(r"\b[A-Z]{2,}\b|\d[\d-]*", point):
                assert token in source, f"section {number}: {token!r} is not in the section"


def test_content_hash_changes_with_any_data_file(tmp_path: Path) -> None:
    copy = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    before = content_hash(copy)
    assert content_hash(copy) == before
    summary = copy / "summaries" / "cnipa-2022-work-plan.toml"
    summary.write_text(summary.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert content_hash(copy) != before
    assert load_library(copy).content_hash == content_hash(copy)


def test_a_missing_summary_is_named(tmp_path: Path) -> None:
    copy = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    summary = copy / "summaries" / "cnipa-2022-work-plan.toml"
    text = summary.read_text(encoding="utf-8")
    summary.write_text(text[: text.rindex("[[sections]]")], encoding="utf-8")
    with pytest.raises(ContentError, match=r"no summary for sections \[8\]"):
        load_library(copy)
