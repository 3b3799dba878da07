"""Reading a file the owner hands in as a work plan: text/Markdown, a saved HTML page, a .docx,
and every kind of file that must be refused. The plans are made up (tests/support/made_up_plans:
NOT REAL CNIPA TEXT), except the shipped seed, which must read as it always has."""

from __future__ import annotations

import io
import zipfile

import pytest

from content.autosummary import MAX_POINTS
from content.importing import (
    BINARY,
    EMPTY,
    MAX_BYTES,
    NOT_A_WORK_PLAN,
    TOO_LARGE,
    Candidate,
    ImportRefused,
    read_work_plan,
)
from content.library import CONTENT_DIR, Library
from content.parser import parse_document
from tests.support import made_up_plans as plans

SEED = CONTENT_DIR / "documents" / "cnipa-2022-work-plan.md"  # the reprint as received


def _formats() -> dict[str, Candidate]:
    return {
        "md": read_work_plan(plans.markdown().encode(), "plan.md"),
        "html": read_work_plan(plans.html_page().encode(), "plan.html"),
        "docx": read_work_plan(plans.docx_bytes(), "plan.docx"),
    }


@pytest.fixture(scope="module")
def formats() -> dict[str, Candidate]:
    return _formats()


def test_every_format_gives_title_date_and_twelve_sections(formats: dict[str, Candidate]) -> None:
    for name, candidate in formats.items():
        document = candidate.document
        assert document.title == plans.TITLE, name
        assert document.published == plans.PUBLISHED, name
        assert [s.number for s in document.numbered_sections] == list(range(1, 13)), name
        assert document.sections[11].heading == "示例任务第11项，推进虚构工作11。", name
        assert document.intro.body == plans.INTRO, name


def test_the_same_plan_reads_the_same_in_every_format(formats: dict[str, Candidate]) -> None:
    """Same passages, hence the same fingerprint: a plan imported as HTML is a duplicate of the
    same plan as .docx."""
    texts = {
        name: [p.text for s in c.document.sections for p in s.passages]
        for name, c in formats.items()
    }
    assert texts["md"] == texts["html"] == texts["docx"]
    assert len({c.fingerprint for c in formats.values()}) == 1


def test_a_page_break_inside_a_sentence_is_repaired(formats: dict[str, Candidate]) -> None:
    for name, candidate in formats.items():
        texts = [p.text for p in candidate.document.sections[3].passages]
        assert plans.BROKEN in texts, name
        assert plans.BROKEN_HEAD not in texts, name


def test_sub_items_are_passages_of_their_own(formats: dict[str, Candidate]) -> None:
    for name, candidate in formats.items():
        texts = [p.text for p in candidate.document.sections[5].passages]
        assert texts[-4:] == [
            "（一）完善地理标志保护示例",
            "开展地理标志产品保护试点，建立示例名录。",
            "1. 优化专利审查流程示例。",
            "2. 推进商标注册便利化示例。",
        ], name


def test_html_navigation_footer_and_scripts_are_left_out(formats: dict[str, Candidate]) -> None:
    document = formats["html"].document
    text = "".join(s.heading + s.body for s in document.sections)
    for chrome in ("首页", "导航", "页脚", "脚本", "版权", "当前位置", "分享到", "字号", "来源"):
        assert chrome not in text, chrome
    assert document.source_url == "https://example.org/art/2031/3/15/art_1.html"


def test_a_page_without_date_metadata_has_its_date_from_the_text() -> None:
    page = plans.html_page().replace('<meta name="PubDate" content="2031-03-15 10:30">', "")
    page = page.replace(f"发布时间：{plans.PUBLISHED.isoformat()}", "发布时间：2031年3月15日")
    assert "PubDate" not in page
    assert "2031-03-15" not in page
    assert read_work_plan(page.encode(), "saved.htm").document.published == plans.PUBLISHED


def test_a_page_with_headings_of_their_own_is_read() -> None:
    """Headings as <h3> without a full stop, the text in the paragraphs after them."""
    blocks = [f"<p>{plans.INTRO}</p>"]
    for number in range(1, plans.SECTIONS + 1):
        blocks.append(f"<h3>{plans.heading(number).rstrip('。')}</h3>")
        blocks.extend(f"<p>{paragraph}</p>" for paragraph in plans.body(number))
    page = (
        f"<html><head><title>{plans.TITLE}</title></head><body><nav>一、导航。</nav>"
        f"<div><p>发布日期：2031-03-15</p>{''.join(blocks)}</div></body></html>"
    )
    document = read_work_plan(page.encode(), "page.html").document
    assert document.sections[10].heading == "示例任务第10项，推进虚构工作10"
    assert document.sections[10].passages[0].text.startswith("围绕虚构目标10")
    assert len(document.numbered_sections) == 12


def test_markdown_keeps_its_source_link(formats: dict[str, Candidate]) -> None:
    assert formats["md"].document.source_url == "https://example.org/plan/2031"


def test_a_plain_text_copy_without_markup_is_read() -> None:
    """Copied from a browser: no `#`, a date written the Chinese way, headings not in bold."""
    lines = [plans.TITLE, "发布时间：2031年3月15日", plans.INTRO]
    lines += [plans.heading(n) + "".join(plans.body(n)[:1]) for n in range(1, 13)]
    candidate = read_work_plan("\n\n".join(lines).encode(), "copied.txt")
    assert candidate.document.published == plans.PUBLISHED
    assert len(candidate.document.numbered_sections) == 12
    assert candidate.document.sections[12].heading == "示例任务第12项，推进虚构工作12。"


def test_the_shipped_seed_reads_as_the_parser_reads_it(library: Library) -> None:
    candidate = read_work_plan(SEED.read_bytes(), SEED.name)
    assert candidate.document == parse_document(SEED.read_text(encoding="utf-8"))
    assert candidate.document == library.primary.document


def test_automatic_summaries_are_sentences_of_their_own_section(
    formats: dict[str, Candidate],
) -> None:
    candidate = formats["md"]
    for section in candidate.document.sections:
        summary = candidate.summaries[section.number]
        assert 1 <= len(summary.zh) <= MAX_POINTS
        assert summary.zh == summary.en  # nothing to translate from: the card says so
        assert summary.zh[0] == section.passages[0].text
        texts = [p.text for p in section.passages]
        for point in summary.zh:
            assert any(text.startswith(point.rstrip("…")) for text in texts), point


def _docx_without_sections() -> bytes:
    import docx

    word = docx.Document()
    word.add_paragraph(plans.TITLE, style="Title")
    word.add_paragraph("发布时间：2031-03-15")
    word.add_paragraph("只有一段虚构的话，没有编号部分。")
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "不是 Word 文件")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"", "empty.md", EMPTY),
        (b" \n\n \t\n", "blank.txt", EMPTY),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "scan.png", BINARY),
        (bytes(range(1, 32)) * 50, "noise.txt", BINARY),
        (_zip(), "archive.zip", BINARY),
        (b"PK\x03\x04 broken", "broken.docx", BINARY),
        ("# 标题\n\n发布时间：2031-03-15\n\n只有一段话。\n".encode(), "plan.md", NOT_A_WORK_PLAN),
        (plans.markdown().replace("发布时间：2031-03-15", "").encode(), "plan.md", NOT_A_WORK_PLAN),
        (plans.markdown().replace("**三、", "**四、", 1).encode(), "plan.md", NOT_A_WORK_PLAN),
        (b"<html><body><p>nothing here</p></body></html>", "page.html", NOT_A_WORK_PLAN),
        (_docx_without_sections(), "plan.docx", NOT_A_WORK_PLAN),
        (b"x" * (MAX_BYTES + 1), "huge.txt", TOO_LARGE),
    ],
)
def test_files_that_are_no_work_plan_are_refused_with_a_reason(
    data: bytes, name: str, code: str
) -> None:
    with pytest.raises(ImportRefused) as refused:
        read_work_plan(data, name)
    assert refused.value.code == code


def test_the_reason_names_what_is_missing() -> None:
    with pytest.raises(ImportRefused) as refused:
        read_work_plan(plans.markdown().replace("**三、", "**四、", 1).encode(), "plan.md")
    assert "section 四 where section 3 was expected" in refused.value.detail
