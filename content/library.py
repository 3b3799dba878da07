"""Load everything under content/ once: documents, their curated summaries, and a content hash.

The hash covers every data file (not the code that reads them, except through PARSER_VERSION), so
the store can tell at start-up whether it must re-import.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from content.catalog import Catalog, load_catalog
from content.errors import ContentError
from content.parser import Document, parse_document
from content.translation import Glossary, Translation, load_glossary, load_translation

__all__ = ["ContentError", "Library", "SectionSummary", "WorkPlan", "load_library"]

CONTENT_DIR = Path(__file__).resolve().parent
# Bump when parsing or tagging changes what the same files produce: it forces a re-import.
PARSER_VERSION = "1"
_DATA_SUFFIXES = {".md", ".txt", ".toml"}
MAX_SUMMARY_POINTS = 4
MIN_SUMMARY_POINTS = 2


@dataclass(frozen=True)
class SectionSummary:
    number: int
    heading_en: str
    zh: tuple[str, ...]
    en: tuple[str, ...]


@dataclass(frozen=True)
class WorkPlan:
    """A document with what the content files say about it beyond its text."""

    slug: str
    title_en: str
    position: int
    document: Document
    summaries: dict[int, SectionSummary]
    translation: Translation | None = None  # content/translations/<slug>.toml, when there is one


@dataclass(frozen=True)
class Library:
    plans: tuple[WorkPlan, ...]
    catalog: Catalog
    content_hash: str
    glossary: Glossary = field(default_factory=Glossary)
    # Curated summaries of documents that are not in content/documents (imported ones): slug →
    # (file, its TOML). They replace the automatic summaries when the content is imported.
    curated: dict[str, tuple[Path, dict[str, Any]]] = field(default_factory=dict)

    @property
    def primary(self) -> WorkPlan:
        """The newest document (by 发布时间), the one readers read by default."""
        return self.plans[0]


def content_hash(root: Path = CONTENT_DIR) -> str:
    """sha256 over the names and bytes of every data file under `root`, in a stable order."""
    digest = hashlib.sha256(f"parser:{PARSER_VERSION}\n".encode())
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in _DATA_SUFFIXES):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ContentError(f"{path}: {exc}") from exc


def _load_summaries(path: Path, document: Document) -> dict[int, SectionSummary]:
    return curated_summaries(path, _read_toml(path), {s.number for s in document.sections})


def curated_summaries(
    path: Path, data: dict[str, Any], numbers: set[int]
) -> dict[int, SectionSummary]:
    """A summaries file's sections, checked against the document's section numbers."""
    summaries: dict[int, SectionSummary] = {}
    for entry in data.get("sections", []):
        number = entry.get("number")
        zh, en = tuple(entry.get("zh", ())), tuple(entry.get("en", ()))
        if number not in numbers:
            raise ContentError(f"{path}: section {number!r} is not in the document")
        if number in summaries:
            raise ContentError(f"{path}: section {number} appears twice")
        if not MIN_SUMMARY_POINTS <= len(zh) <= MAX_SUMMARY_POINTS or len(zh) != len(en):
            raise ContentError(
                f"{path}: section {number} needs {MIN_SUMMARY_POINTS}–{MAX_SUMMARY_POINTS} "
                "points in zh and as many in en"
            )
        summaries[number] = SectionSummary(number, str(entry.get("heading_en", "")), zh, en)
    missing = numbers - summaries.keys()
    if missing:
        raise ContentError(f"{path}: no summary for sections {sorted(missing)}")
    return summaries


def load_plan(meta_path: Path, root: Path = CONTENT_DIR) -> WorkPlan:
    meta = _read_toml(meta_path)
    try:
        slug, file_name = str(meta["slug"]), str(meta["file"])
    except KeyError as exc:
        raise ContentError(f"{meta_path}: missing key {exc}") from exc
    text_path = meta_path.parent / file_name
    try:
        text = text_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ContentError(f"{text_path}: {exc}") from exc
    try:
        document = parse_document(text)
    except ValueError as exc:
        raise ContentError(f"{text_path}: {exc}") from exc
    summaries = _load_summaries(root / "summaries" / f"{slug}.toml", document)
    translation_path = root / "translations" / f"{slug}.toml"
    translation = load_translation(translation_path) if translation_path.exists() else None
    return WorkPlan(
        slug,
        str(meta.get("title_en", "")),
        int(meta.get("position", 0)),
        document,
        summaries,
        translation,
    )


def load_library(root: Path = CONTENT_DIR) -> Library:
    """Read and validate all of content/; raises ContentError with the offending file's name."""
    plans = [load_plan(path, root) for path in sorted((root / "documents").glob("*.toml"))]
    if not plans:
        raise ContentError(f"{root / 'documents'}: no document found")
    # Newest first (published date): readers read the newest plan unless they name another;
    # `position` orders documents published the same day.
    plans.sort(key=lambda plan: (-plan.document.published.toordinal(), plan.position, plan.slug))
    topics = root / "topics.toml"
    catalog = load_catalog(topics) if topics.exists() else Catalog(())
    glossary = load_glossary(root / "glossary.toml")
    seeded = {plan.slug for plan in plans}
    curated = {
        path.stem: (path, _read_toml(path))
        for path in sorted((root / "summaries").glob("*.toml"))
        if path.stem not in seeded
    }
    return Library(tuple(plans), catalog, content_hash(root), glossary, curated)
