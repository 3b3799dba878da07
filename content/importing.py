"""A file the owner hands in (text/Markdown, an HTML page saved from a government site, a .docx)
turned into a work plan: each format is brought to the shape of the shipped reprint (`# title`,
`发布时间：`, bold numbered headings) and read by the one parser (content/parser.py), with its
page-break repair. Anything that cannot be read as a work plan raises ImportRefused with a reason
code and a detail a person can act on.

HTML is read with BeautifulSoup (navigation, headers, footers, scripts and forms dropped; the body
is the element whose paragraphs carry most of the text); .docx with python-docx (paragraphs, the
bold run that opens a heading). Both are imported only when such a file comes. Pure: bytes in,
frozen dataclasses out; whether the document is already in the store is the store's question."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from content.autosummary import automatic_summaries
from content.catalog import Catalog, fold
from content.errors import ContentError
from content.library import SectionSummary
from content.parser import Document, ParseError, parse_document

if TYPE_CHECKING:
    from bs4 import Tag

MAX_BYTES = 2 * 1024 * 1024  # a work plan is tens of kilobytes; a .docx with pictures may be more
TEXT, HTML, DOCX = "text", "html", "docx"
MAX_TITLE = 200  # characters; a longer "title" is a paragraph, not a work plan's title
MAX_HEADING = 150  # characters of a heading made from a paragraph that has no bold run
# PDF, PNG, GIF, JPEG, an old Word (OLE) file: binary however they decode.
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"\xd0\xcf\x11\xe0")

# Reasons a file is refused (the bot names them in the owner's language: import.refused.<code>).
EMPTY, BINARY, TOO_LARGE, NOT_A_WORK_PLAN, DUPLICATE = (
    "empty", "binary", "too_large", "not_a_work_plan", "duplicate",
)  # fmt: skip
REASONS = (EMPTY, BINARY, TOO_LARGE, NOT_A_WORK_PLAN, DUPLICATE)


class ImportRefused(ContentError):
    """The file is not a work plan this bot can read; `code` says why, `detail` what exactly."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code, self.detail = code, detail


@dataclass(frozen=True)
class Candidate:
    """A file read as a work plan, not yet in the store."""

    document: Document
    file_format: str  # TEXT, HTML or DOCX
    summaries: dict[int, SectionSummary]  # automatic: no curated file exists for it yet

    @property
    def passages(self) -> int:
        return sum(len(section.passages) for section in self.document.sections)

    @property
    def fingerprint(self) -> str:
        """The text itself, blanks, width and case ignored: the same plan saved as HTML and as
        .docx has the same fingerprint."""
        return document_fingerprint(self.document)

    def topics(self, catalog: Catalog) -> tuple[str, ...]:
        """Slugs of the catalogue topics its passages are tagged with, in catalogue order."""
        found = {
            slug
            for section in self.document.sections
            for passage in section.passages
            for slug in catalog.tags(passage.text)
        }
        return tuple(topic.slug for topic in catalog.topics if topic.slug in found)


def document_fingerprint(document: Document) -> str:
    digest = hashlib.sha256()
    for section in document.sections:
        for passage in section.passages:
            digest.update(fold(passage.text).encode() + b"\n")
    return digest.hexdigest()


def read_work_plan(data: bytes, filename: str) -> Candidate:
    """The file as a work plan; ImportRefused if it is empty, binary, too large or not one."""
    if len(data) > MAX_BYTES:
        raise ImportRefused(TOO_LARGE, f"{len(data) // 1024} KB, at most {MAX_BYTES // 1024} KB")
    if not data.strip():
        raise ImportRefused(EMPTY)
    name = filename.lower()
    if data.startswith(_BINARY_MAGIC):
        raise ImportRefused(BINARY)
    if data.startswith(b"PK\x03\x04"):
        if not name.endswith(".docx") and not _is_docx(data):
            raise ImportRefused(BINARY, "a ZIP archive that is not a .docx")
        text, file_format, source_url = _from_docx(data), DOCX, ""
    else:
        decoded = _decoded(data)
        if name.endswith((".html", ".htm")) or _looks_like_html(decoded):
            text, source_url = _from_html(decoded)
            file_format = HTML
        else:
            text, file_format, source_url = decoded, TEXT, ""
    document = _parsed(text, file_format)
    if len(document.title) > MAX_TITLE:
        raise ImportRefused(NOT_A_WORK_PLAN, f"a title of {len(document.title)} characters")
    if source_url and not document.source_url:
        document = replace(document, source_url=source_url)
    return Candidate(document, file_format, automatic_summaries(document))


# --- text -----------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _decoded(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (older Chinese pages); BINARY if it has the
    control characters of a binary file."""
    if b"\x00" in data:
        raise ImportRefused(BINARY)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if len(_CONTROL.findall(text)) <= len(text) // 200:
            return text.replace("\r\n", "\n").replace("\r", "\n")
    raise ImportRefused(BINARY)


_TITLE_LINE = re.compile(r"^#\s")
_DATE = re.compile(r"(?P<y>(?:19|20)\d\d)\s*[-年/.]\s*(?P<m>\d{1,2})\s*[-月/.]\s*(?P<d>\d{1,2})")
_PUBLISHED_LABEL = re.compile(r"^(?:发布时间|发布日期|发文日期|日期|时间)\s*[:：]")
_NUMBERED = re.compile(r"^(?P<numeral>[〇一二三四五六七八九十]{1,3})、")
_BOLD_NUMBERED = re.compile(r"^\*\*[〇一二三四五六七八九十]{1,3}、", re.MULTILINE)
_METADATA = re.compile(r"^(?:来源|作者|字号|浏览|点击|打印|分享|【|责任编辑|信息来源)")


def _parsed(text: str, file_format: str) -> Document:
    """The parser's reading of the text; a text file that is not quite in the reprint's shape (no
    `#` before the title, a date written 2023年3月1日, headings not in bold) is shaped first."""
    try:
        return parse_document(text)
    except ParseError as exc:
        if file_format != TEXT:
            raise ImportRefused(NOT_A_WORK_PLAN, str(exc)) from exc
        first_error = exc
    try:
        return parse_document(_shaped_text(text))
    except ParseError as exc:
        raise ImportRefused(NOT_A_WORK_PLAN, str(exc) or str(first_error)) from exc


def _shaped_text(text: str) -> str:
    # Lines of a paragraph are joined as the parser joins them: without a blank.
    paragraphs = [
        "".join(line.strip() for line in p.splitlines())
        for p in re.split(r"\n\s*\n", text)
        if p.strip()
    ]
    if not paragraphs:
        return text
    title = paragraphs[0].lstrip("#").strip()
    return compose(title, None, [Paragraph(p) for p in paragraphs[1:]])


@dataclass(frozen=True)
class Paragraph:
    """A paragraph as a format gives it: its text and the bold run that opens it, if any."""

    text: str
    bold: str = ""


def _date_in(text: str) -> date | None:
    match = _DATE.search(text)
    if not match:
        return None
    try:
        return date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None


def compose(
    title: str,
    published: date | None,
    paragraphs: list[Paragraph],
    *,
    source_url: str = "",
) -> str:
    """The reprint's shape from a format's paragraphs: `# title`, `发布时间：`, the intro, each
    numbered heading bold (the bold run of the paragraph, else up to its first 。), the body.
    The date, when not given, is the first `发布时间：` line (or date) before the first heading."""
    body: list[str] = []
    seen_heading = False
    for paragraph in paragraphs:
        text = paragraph.text.strip()
        if not text or text == title:
            continue
        if not seen_heading:
            if _PUBLISHED_LABEL.match(text) or (published is None and _DATE.fullmatch(text)):
                published = published or _date_in(text)
                continue
            if _METADATA.match(text):
                continue
        if _BOLD_NUMBERED.match(text):
            seen_heading = True
            body.append(text)
            continue
        if _NUMBERED.match(text):
            seen_heading = True
            body.append(_bold_heading(text, paragraph.bold))
            continue
        body.append(text)
    lines = [f"# {title}"]
    if published is not None:
        lines.append(f"发布时间：{published.isoformat()}")
    lines.extend(body)
    if source_url:
        lines.extend(["出所：", source_url])
    return "\n\n".join(lines) + "\n"


def _bold_heading(text: str, bold: str) -> str:
    """`一、heading。rest` as `**一、heading。**rest`: the bold run when the format marks one,
    else up to the first 。 (the whole paragraph when it has none)."""
    if bold and text.startswith(bold) and _NUMBERED.match(bold):
        heading, rest = bold, text[len(bold) :]
    else:
        end = text.find("。")
        if end < 0 and len(text) <= MAX_HEADING:  # a heading of its own (an <h3>, say)
            end = len(text) - 1
        elif end < 0 or end >= MAX_HEADING:  # a long paragraph with no early 。: a clause
            end = min((i for i in (text.find(c) for c in "，；") if 0 <= i < MAX_HEADING),
                      default=min(len(text), MAX_HEADING) - 1)  # fmt: skip
        heading, rest = text[: end + 1], text[end + 1 :]
    return f"**{heading.strip()}**{rest.strip()}"


# --- HTML -----------------------------------------------------------------------------------------

_HTML_START = re.compile(r"^\s*(?:<!doctype\s+html|<html|<head|<meta|<body)", re.IGNORECASE)
_DROPPED_TAGS = [
    "script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe",
    "template", "svg", "button", "select", "input", "link",
]  # fmt: skip
_CHROME = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|menu|footer|foot|header|head|breadcrumbs?|crumbs?|share|sidebar|"
    r"topbar|banner|copyright|related|pager|pagination|toolbar|search)(?:$|[\s_-])",
    re.IGNORECASE,
)
_BLOCKS = ["p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "div", "blockquote", "section", "td"]
_DATE_META = ("pubdate", "publishdate", "firstpublishedtime", "article:published_time", "dc.date")


def _looks_like_html(text: str) -> bool:
    return bool(_HTML_START.match(text))


def _flat(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _is_chrome(tag: Tag) -> bool:
    names = " ".join([*(tag.get_attribute_list("class") or []), str(tag.get("id") or "")])
    return bool(names.strip()) and bool(_CHROME.search(names))


def _from_html(markup: str) -> tuple[str, str]:
    """A saved page as the reprint's text, and the page's own address when it names one."""
    from bs4 import BeautifulSoup, Tag

    soup = BeautifulSoup(markup, "html.parser")
    title = _html_title(soup)
    published = _html_date(soup)
    source_url = ""
    for selector in ('link[rel="canonical"]', 'meta[property="og:url"]'):
        found = soup.select_one(selector)
        if found is not None:
            value = str(found.get("href") or found.get("content") or "")
            if value.startswith(("http://", "https://")):
                source_url = value
                break
    if published is None:  # a `发布时间：` line anywhere, before the page's chrome goes
        published = _labelled_date(soup.get_text("\n"))
    for tag in soup.find_all(_DROPPED_TAGS):
        tag.decompose()
    for tag in [t for t in soup.find_all(True) if isinstance(t, Tag) and _is_chrome(t)]:
        if not tag.decomposed:
            tag.decompose()
    container = _main_container(soup)
    paragraphs: list[Paragraph] = []
    for block in container.find_all(_BLOCKS):
        if block.find(_BLOCKS):  # a wrapper: its own blocks come one by one
            continue
        text = _flat(block.get_text())
        if text:
            paragraphs.append(Paragraph(text, _leading_bold(block)))
    return compose(title, published, paragraphs, source_url=source_url), source_url


def _html_title(soup: object) -> str:
    from bs4 import BeautifulSoup

    assert isinstance(soup, BeautifulSoup)
    for name in ("ArticleTitle", "articletitle", "title", "og:title"):
        meta = soup.find("meta", attrs={"name": name}) or soup.find("meta", property=name)
        if meta is not None and _flat(str(meta.get("content") or "")):
            return _flat(str(meta.get("content")))
    heading = soup.find("h1")
    if heading is not None and _flat(heading.get_text()):
        return _flat(heading.get_text())
    if soup.title is not None and soup.title.string:
        return re.split(r"\s*[_|｜–—-]\s*", _flat(soup.title.string))[0]
    return ""


def _html_date(soup: object) -> date | None:
    from bs4 import BeautifulSoup

    assert isinstance(soup, BeautifulSoup)
    for meta in soup.find_all("meta"):
        key = str(meta.get("name") or meta.get("property") or "").lower()
        if key in _DATE_META and (found := _date_in(str(meta.get("content") or ""))):
            return found
    return None


def _labelled_date(text: str) -> date | None:
    for line in text.splitlines():
        line = _flat(line)
        if _PUBLISHED_LABEL.match(line) and (found := _date_in(line)):
            return found
    return None


def _main_container(soup: object) -> Tag:
    """The element whose own paragraphs hold the most text: the article, not the page."""
    from bs4 import BeautifulSoup, Tag

    assert isinstance(soup, BeautifulSoup)
    scores: dict[int, tuple[int, Tag]] = {}
    for block in soup.find_all(["p", "h1", "h2", "h3", "h4", "h5", "h6", "li"]):
        parent = block.parent
        if isinstance(parent, Tag):
            length = len(_flat(block.get_text()))
            total, _ = scores.get(id(parent), (0, parent))
            scores[id(parent)] = (total + length, parent)
    if not scores:
        return soup.body or soup
    return max(scores.values(), key=lambda item: item[0])[1]


def _leading_bold(block: Tag) -> str:
    from bs4 import NavigableString, Tag

    for child in block.children:
        if isinstance(child, NavigableString):
            if child.strip():
                return ""
            continue
        if isinstance(child, Tag):
            if child.name in ("strong", "b"):
                return _flat(child.get_text())
            return _leading_bold(child) if child.name == "span" else ""
    return ""


# --- .docx ----------------------------------------------------------------------------------------


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _from_docx(data: bytes) -> str:
    """Paragraphs in order (a page break in Word splits a paragraph as it does on the web: the
    parser joins them); the first is the title unless the document names a Title-styled one."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        word = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ImportRefused(BINARY, f"not a readable .docx ({exc})") from exc
    paragraphs: list[Paragraph] = []
    title = ""
    for paragraph in word.paragraphs:
        text = _flat(paragraph.text)
        if not text:
            continue
        style = paragraph.style.name if paragraph.style is not None else ""
        if not title and (style == "Title" or not paragraphs):
            title = text
            continue
        bold = []  # the bold runs that open the paragraph
        for run in paragraph.runs:
            if not run.text.strip():
                continue
            if not run.bold:
                break
            bold.append(run.text)
        paragraphs.append(Paragraph(text, _flat("".join(bold))))
    if not title:
        raise ImportRefused(EMPTY)
    return compose(title, None, paragraphs)
