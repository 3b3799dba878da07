"""Adding a document to the library, apart from how the file arrives (the CLI's `import PATH`, or
the owner's upload in a private chat): read it as a work plan, refuse what cannot be one or is
there already, give it a stable slug, and store it beside the others. Also the minute-by-minute
refresh that makes every running process serve what another process imported.

An upload waits for Publish in the store (pending_imports, one per owner), not in memory: with
several webhook processes behind one address, the tap on Publish may reach another process than
the one that showed the preview."""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.services import Services
from bot.store import Repository, Store
from bot.store.repository import IMPORTED, NewDocument, StoredDocument
from content.catalog import Catalog, fold
from content.importing import DUPLICATE, Candidate, ImportRefused, read_work_plan

PENDING_LIFETIME = timedelta(hours=24)  # an upload not published by then is gone
SLUG_LENGTH = 80  # documents.slug
_YEAR = re.compile(r"(?:19|20)\d\d")
# What the title says the document is, in the slug's words (ASCII, stable, readable in links).
_KINDS = (
    ("工作要点", "work-plan"),
    ("工作计划", "work-plan"),
    ("推进计划", "plan"),
    ("规划", "plan"),
    ("指南", "guidelines"),
    ("通知", "notice"),
    ("意见", "opinions"),
    ("办法", "measures"),
    ("规定", "rules"),
    ("公告", "announcement"),
)
_ISSUERS = (("国家知识产权局", "cnipa"), ("知识产权局", "ipa"))


@dataclass(frozen=True)
class Prepared:
    """A file read as a work plan, checked against the store, with the slug it would get and
    the catalogue topics its passages are tagged with."""

    candidate: Candidate
    slug: str
    topics: tuple[str, ...]

    @property
    def title(self) -> str:
        return self.candidate.document.title

    @property
    def published(self) -> date:
        return self.candidate.document.published

    @property
    def sections(self) -> int:
        return len(self.candidate.document.numbered_sections)

    @property
    def passages(self) -> int:
        return self.candidate.passages


def slug_for(candidate: Candidate, taken: set[str]) -> str:
    """`cnipa-2023-work-plan`: issuer, year (of the title, else of the date) and kind, from the
    title; `-2`, `-3` … when taken. ASCII, so it fits a deep link."""
    title = candidate.document.title
    issuer = next((slug for name, slug in _ISSUERS if name in title), "doc")
    year = _YEAR.search(fold(title))
    kind = next((slug for name, slug in _KINDS if name in title), "document")
    base = f"{issuer}-{year.group() if year else candidate.document.published.year}-{kind}"
    slug, suffix = base, 1
    while slug in taken:
        suffix += 1
        slug = f"{base}-{suffix}"
    return slug[:SLUG_LENGTH]


def _duplicate_of(candidate: Candidate, stored: list[StoredDocument]) -> StoredDocument | None:
    """The same text, or the same title on the same date (a re-saved page differs in nothing
    that matters)."""
    document = candidate.document
    for known in stored:
        if known.fingerprint == candidate.fingerprint or (
            fold(known.title) == fold(document.title) and known.published == document.published
        ):
            return known
    return None


def _prepared(candidate: Candidate, stored: list[StoredDocument], catalog: Catalog) -> Prepared:
    known = _duplicate_of(candidate, stored)
    if known is not None:
        raise ImportRefused(DUPLICATE, f"{known.title} ({known.published}, {known.slug})")
    slug = slug_for(candidate, {document.slug for document in stored})
    return Prepared(candidate, slug, candidate.topics(catalog))


async def read_file(data: bytes, file_name: str) -> Candidate:
    """Parsing a .docx or a large page takes a while: off the event loop, so that the other chats
    are answered meanwhile. ImportRefused when it is not a work plan."""
    return await asyncio.to_thread(read_work_plan, data, file_name)


async def check(
    store: Store, catalog: Catalog, candidates: list[Candidate]
) -> list[Prepared | ImportRefused]:
    """Each candidate checked against the store and the ones before it: what it would be, or
    why it would be refused (a duplicate). Reads only."""
    async with store.transaction() as repo:
        stored = await repo.stored_documents()
    return check_against(stored, catalog, candidates)


def check_against(
    stored: list[StoredDocument], catalog: Catalog, candidates: list[Candidate]
) -> list[Prepared | ImportRefused]:
    results: list[Prepared | ImportRefused] = []
    for candidate in candidates:
        try:
            ready = _prepared(candidate, stored, catalog)
        except ImportRefused as refusal:
            results.append(refusal)
            continue
        results.append(ready)
        document = candidate.document
        stored = [
            *stored,
            StoredDocument(
                ready.slug, document.title, document.published, IMPORTED, candidate.fingerprint
            ),
        ]
    return results


def _all_or_refusal(results: list[Prepared | ImportRefused]) -> list[Prepared]:
    for result in results:
        if isinstance(result, ImportRefused):
            raise result
    return [result for result in results if isinstance(result, Prepared)]


async def _add(repo: Repository, catalog: Catalog, prepared: Prepared, now: datetime) -> None:
    candidate = prepared.candidate
    await repo.add_document(
        NewDocument(
            prepared.slug,
            await repo.next_document_position(),
            "",
            candidate.document,
            candidate.summaries,
            IMPORTED,
            now,
        ),
        catalog,
    )


async def add(
    store: Store, catalog: Catalog, candidates: list[Candidate], now: datetime
) -> list[Prepared]:
    """Store every candidate, in one transaction (all or none), checked again inside it: a
    duplicate stored meanwhile by another process is refused too. ImportRefused if any is."""
    async with store.transaction() as repo:
        stored = await repo.stored_documents()
        prepared = _all_or_refusal(check_against(stored, catalog, candidates))
        for ready in prepared:
            await _add(repo, catalog, ready, now)
    return prepared


# --- the owner's upload ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    """What Publish would add; `token` goes on the preview's buttons."""

    token: str
    prepared: Prepared


async def preview_upload(services: Services, owner_id: int, data: bytes, file_name: str) -> Preview:
    """Read and check an uploaded file and keep it for Publish; ImportRefused if it cannot be
    published. Nothing else changes."""
    candidate = await read_file(data, file_name)
    [prepared] = _all_or_refusal(await check(services.store, services.library.catalog, [candidate]))
    token = secrets.token_hex(4)
    async with services.store.transaction() as repo:
        await repo.put_pending_import(owner_id, token, file_name, data, services.clock())
    return Preview(token, prepared)


async def publish_upload(services: Services, owner_id: int, token: str) -> Prepared | None:
    """Add the owner's pending upload to the library; None when there is none with this token
    (published or cancelled already, replaced by a newer file, or too old). ImportRefused when it
    has become a duplicate meanwhile (the upload is gone then too)."""
    now = services.clock()
    catalog = services.library.catalog
    async with services.store.transaction() as repo:
        pending = await repo.take_pending_import(owner_id, token)
    if pending is None or now - pending.created_at > PENDING_LIFETIME:
        return None
    candidate = await read_file(pending.data, pending.file_name)
    [prepared] = await add(services.store, catalog, [candidate], now)
    await refresh(services)  # this process serves it at once; the others within a minute
    return prepared


async def cancel_upload(services: Services, owner_id: int, token: str) -> bool:
    """Forget the pending upload; False when there is none with this token."""
    async with services.store.transaction() as repo:
        return await repo.take_pending_import(owner_id, token) is not None


# --- every process serves what any of them imported ---------------------------------------

REFRESH_SECONDS = 60


async def refresh(services: Services) -> bool:
    """Read the store's content version; when it is not the one this process's content snapshot
    was read at, the next reader reads the content again. True when it changed."""
    async with services.store.transaction() as repo:
        version = await repo.content_version()
        if version == services.content_version:
            return False
        await services.reindex(repo)
    services.content_version = version
    return True
