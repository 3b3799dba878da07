"""Every query the bot makes, in one place. Handlers and jobs call these; they never build SQL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    JSON,
    ColumnElement,
    Integer,
    Table,
    and_,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlalchemy import bindparam as bind
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.briefing import BriefingPayload, BroadcastPayload, Payload, payload_from_json
from bot.store.models import (
    BroadcastRow,
    ChatRow,
    ContentStateRow,
    DeliveryRow,
    DocumentRow,
    PassageRow,
    PassageTopicRow,
    PendingImportRow,
    ReadingStateRow,
    SavedQueryRow,
    ScheduleRow,
    SectionRow,
    SubscriptionRow,
    TopicRow,
    UTCDateTime,
)
from content.catalog import Catalog, fold, without_controls
from content.importing import document_fingerprint
from content.library import Library, SectionSummary, curated_summaries
from content.parser import Document, Passage, Section

CONTENT_HASH_KEY = "content_hash"
CONTENT_VERSION_KEY = "content_version"
SEED, IMPORTED = "seed", "import"  # where a document came from: content/, or the owner's import
LAST_SEEN_PRECISION = timedelta(minutes=5)

# Data retention (README: Data retention), applied by Repository.apply_retention once a day.
LEDGER_DAYS = 90  # delivery ledger rows (briefings and broadcasts) older than this go
INACTIVE_CHAT_DAYS = 365  # a chat inactive (blocked, removed) this long goes with all its data
SAVED_QUERY_DAYS = 30  # a saved search no page button used for this long goes
SAVED_QUERY_USE_PRECISION = timedelta(days=1)  # a page turn writes its use at most once a day


@dataclass(frozen=True)
class DocumentView:
    """A document as readers see it: plain data, not an ORM row."""

    slug: str
    title: str
    title_en: str
    published: date
    source_url: str


@dataclass(frozen=True)
class SectionView:
    """A section as readers see it: plain data, not an ORM row."""

    number: int
    heading: str
    heading_en: str
    body: str
    summary_zh: tuple[str, ...]
    summary_en: tuple[str, ...]
    summary_automatic: bool = False  # picked from its sentences, not curated: the card says so


@dataclass(frozen=True)
class NewDocument:
    """A parsed document on its way into the store, with what the store keeps beside it."""

    slug: str
    position: int
    title_en: str
    document: Document
    summaries: dict[int, SectionSummary]
    origin: str  # SEED or IMPORTED
    added_at: datetime
    automatic_summaries: bool = True


@dataclass(frozen=True)
class ImportedPlan:
    """An imported document read back from the store as the parser made it."""

    slug: str
    title_en: str
    position: int
    document: Document


@dataclass(frozen=True)
class StoredDocument:
    """A stored document's keys: what an import is checked against."""

    slug: str
    title: str
    published: date
    origin: str
    fingerprint: str | None


@dataclass(frozen=True)
class ContentSnapshot:
    """What reading the work plan needs, read once per content version, as plain data."""

    document: DocumentView
    sections: tuple[SectionView, ...]
    passages: dict[int, tuple[str, ...]]  # section number → passage texts, in order

    @property
    def numbers(self) -> list[int]:
        return [section.number for section in self.sections]

    def section(self, number: int) -> SectionView | None:
        return next((s for s in self.sections if s.number == number), None)


@dataclass(frozen=True)
class Shelf:
    """Every document readers can read, newest first (by 发布时间), as plain data.

    A document is named by a token: its year when no other document has the same year, else
    its slug. Deep links (`section_2022_4`) and arguments (`/section 2022 4`) use it."""

    documents: tuple[ContentSnapshot, ...]

    @property
    def newest(self) -> ContentSnapshot:
        return self.documents[0]

    def token(self, slug: str) -> str:
        """The year when it names one document only, else the slug."""
        year = next(
            (d.document.published.year for d in self.documents if d.document.slug == slug), 0
        )
        same_year = sum(1 for d in self.documents if d.document.published.year == year)
        return str(year) if year and same_year == 1 else slug

    def find(self, name: str) -> ContentSnapshot | None:
        """The document a token, slug or year names (the newest of a year with several)."""
        name = name.strip().lower()
        for snapshot in self.documents:
            document = snapshot.document
            if name in (document.slug.lower(), str(document.published.year)):
                return snapshot
        return None

    def by_slug(self, slug: str) -> ContentSnapshot | None:
        return next((d for d in self.documents if d.document.slug == slug), None)


@dataclass(frozen=True)
class Claim:
    """A ledger row this process is about to send, with what sending it needs."""

    delivery_id: int
    chat_id: int
    local_date: date
    payload: Payload
    language: str
    thread_id: int | None
    quiet: bool = False  # the chat's /quiet: sent without a sound (daily briefings)


@dataclass(frozen=True)
class Follow:
    """One subscription as the push chooses by it."""

    kind: str
    value: str
    label: str


@dataclass(frozen=True)
class DueSchedule:
    """A schedule whose briefing is due, as the push plans it (columns, not an ORM row)."""

    chat_id: int
    briefing_time: str
    timezone: str
    weekdays: int
    items: int


@dataclass
class StoredReadingState:
    """A chat's reading state as the push reads and writes it (columns, not an ORM row; see
    ReadingStateRow). `stored`: whether its row exists yet."""

    chat_id: int
    document_slug: str
    received: list[str]
    cursors: dict[str, list[Any]]
    rotation: int
    stored: bool = True


@dataclass(frozen=True)
class Sendable:
    """A ledger row the push may send, as it decides whether to."""

    id: int
    chat_id: int
    kind: str
    local_date: date
    status: str
    attempts: int
    updated_at: datetime
    timezone: str


@dataclass(frozen=True)
class Mark:
    """The outcome of one send, to be written to its ledger row (in a batch: LedgerWriter)."""

    delivery_id: int
    status: str  # sent, uncertain, failed, gave_up
    at: datetime
    message_id: int | None = None
    error: str | None = None
    # The chat blocked or removed the bot (403, "chat not found"): made inactive in the same
    # write, so a push that meets thousands of them spends no transaction of its own on each.
    chat_gone: int | None = None


@dataclass(frozen=True)
class Retention:
    """What one retention run deleted."""

    ledger_rows: int
    chats: tuple[int, ...]
    saved_queries: int


@dataclass(frozen=True)
class SentBriefing:
    """A daily briefing the chat received, as /history lists and reopens it."""

    delivery_id: int
    local_date: date
    payload: BriefingPayload


FTS_TABLE = "passage_search"
FTS_MIN_QUERY = 3  # the trigram tokenizer cannot match fewer characters
TOPIC, KEYWORD = "topic", "keyword"
BRIEFING = "briefing"  # the ledger kind of daily briefings; broadcasts are "broadcast:<id>"

# Delivery ledger states (see bot.scheduler): planned → queued → sending → sent | uncertain |
# failed (retried) | gave_up.
PLANNED, QUEUED, SENDING, SENT, FAILED, UNCERTAIN, GAVE_UP = (
    "planned", "queued", "sending", "sent", "failed", "uncertain", "gave_up",
)  # fmt: skip


# Documents newest first (by 发布时间), as content.library orders them.
NEWEST_FIRST = (DocumentRow.published.desc(), DocumentRow.position, DocumentRow.slug)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class Repository:
    """A thin layer over one session; the Store commits or rolls back around it."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- content -------------------------------------------------------------------------------

    async def stored_fact(self, key: str) -> str | None:
        """A key/value fact kept beside the content (e.g. what command menu was published)."""
        return await self.session.scalar(
            select(ContentStateRow.value).where(ContentStateRow.key == key)
        )

    async def store_fact(self, key: str, value: str) -> None:
        await self.session.merge(ContentStateRow(key=key, value=value))

    async def stored_content_hash(self) -> str | None:
        return await self.session.scalar(
            select(ContentStateRow.value).where(ContentStateRow.key == CONTENT_HASH_KEY)
        )

    async def replace_content(self, library: Library, now: datetime | None = None) -> None:
        """Swap the rows that came from content/ (origin "seed") for the library's, inside the
        caller's transaction. Documents the owner imported stay, tagged again with the
        library's catalogue; a seed document keeps the time it was first added."""
        now = now or datetime.now(UTC)
        kept = await self.session.execute(
            select(DocumentRow.slug, DocumentRow.added_at).where(DocumentRow.origin == SEED)
        )
        added: dict[str, datetime | None] = {slug: at for slug, at in kept.all()}
        await self.session.execute(delete(DocumentRow).where(DocumentRow.origin == SEED))
        await self.session.execute(delete(TopicRow))  # and, by cascade, every passage's tags
        catalog = library.catalog
        if catalog.topics:
            await self.session.execute(
                insert(TopicRow),
                [
                    {"slug": t.slug, "position": i, "zh": t.zh, "en": t.en}
                    for i, t in enumerate(catalog.topics)
                ],
            )
        for plan in library.plans:
            await self._insert_document(
                NewDocument(
                    plan.slug,
                    plan.position,
                    plan.title_en,
                    plan.document,
                    plan.summaries,
                    SEED,
                    added.get(plan.slug) or now,
                    automatic_summaries=False,
                ),
                catalog,
            )
        await self._tag_imported(catalog)
        await self._curate_imported(library)
        await self._rebuild_search_index()
        await self.session.merge(ContentStateRow(key=CONTENT_HASH_KEY, value=library.content_hash))
        await self.bump_content_version()

    async def add_document(self, document: NewDocument, catalog: Catalog) -> None:
        """One more document beside the others (an import), after the last in position; the
        content version changes, so every process reads the content again."""
        await self._insert_document(document, catalog)
        await self._rebuild_search_index()
        await self.bump_content_version()

    async def next_document_position(self) -> int:
        return int(await self.session.scalar(select(func.max(DocumentRow.position))) or 0) + 1

    async def imported_documents(self) -> list[ImportedPlan]:
        """The documents the owner imported, as parsed documents again (the briefing's index is
        built from them beside content/'s), newest first; [] when there are none."""
        documents = list(
            await self.session.scalars(
                select(DocumentRow).where(DocumentRow.origin == IMPORTED).order_by(*NEWEST_FIRST)
            )
        )
        if not documents:
            return []
        ids = [document.id for document in documents]
        passages: dict[int, list[Passage]] = {}
        result = await self.session.execute(
            select(
                PassageRow.section_id,
                PassageRow.section_number,
                PassageRow.ordinal,
                PassageRow.text,
            )
            .where(PassageRow.document_id.in_(ids))
            .order_by(PassageRow.position)
        )
        for section_id, number, ordinal, passage in result.all():
            passages.setdefault(section_id, []).append(Passage(number, ordinal, passage))
        sections: dict[int, list[Section]] = {document_id: [] for document_id in ids}
        for row in await self.session.scalars(
            select(SectionRow).where(SectionRow.document_id.in_(ids)).order_by(SectionRow.number)
        ):
            sections[row.document_id].append(
                Section(row.number, row.heading, row.body, tuple(passages.get(row.id, ())))
            )
        return [
            ImportedPlan(
                d.slug,
                d.title_en,
                d.position,
                Document(d.title, d.published, d.source_url, tuple(sections[d.id])),
            )
            for d in documents
        ]

    async def stored_documents(self) -> list[StoredDocument]:
        """Every document's keys (for duplicates and slugs), in position order."""
        result = await self.session.execute(
            select(
                DocumentRow.slug,
                DocumentRow.title,
                DocumentRow.published,
                DocumentRow.origin,
                DocumentRow.fingerprint,
            ).order_by(DocumentRow.position, DocumentRow.slug)
        )
        return [StoredDocument(*row) for row in result.all()]

    async def _insert_document(self, new: NewDocument, catalog: Catalog) -> None:
        document = new.document
        document_id = await self.session.scalar(
            insert(DocumentRow)
            .values(
                slug=new.slug,
                position=new.position,
                title=document.title,
                title_en=new.title_en,
                published=document.published,
                source_url=document.source_url,
                origin=new.origin,
                added_at=new.added_at,
                fingerprint=document_fingerprint(document),
            )
            .returning(DocumentRow.id)
        )
        position = 0
        for section in document.sections:
            summary = new.summaries[section.number]
            section_id = await self.session.scalar(
                insert(SectionRow)
                .values(
                    document_id=document_id,
                    number=section.number,
                    heading=section.heading,
                    heading_en=summary.heading_en,
                    body=section.body,
                    summary_zh=list(summary.zh),
                    summary_en=list(summary.en),
                    summary_automatic=new.automatic_summaries,
                )
                .returning(SectionRow.id)
            )
            for passage in section.passages:
                position += 1
                passage_id = await self.session.scalar(
                    insert(PassageRow)
                    .values(
                        document_id=document_id,
                        section_id=section_id,
                        section_number=section.number,
                        ordinal=passage.ordinal,
                        position=position,
                        text=passage.text,
                        folded=fold(passage.text),
                    )
                    .returning(PassageRow.id)
                )
                tags = catalog.tags(passage.text)
                if tags:
                    await self.session.execute(
                        insert(PassageTopicRow),
                        [{"passage_id": passage_id, "topic_slug": slug} for slug in tags],
                    )

    async def _tag_imported(self, catalog: Catalog) -> None:
        """Tag the imported documents' passages with the catalogue (after a seed re-import
        replaced the topics, and with them every tag)."""
        result = await self.session.execute(
            select(PassageRow.id, PassageRow.text)
            .join(DocumentRow, DocumentRow.id == PassageRow.document_id)
            .where(DocumentRow.origin == IMPORTED)
        )
        tags = [
            {"passage_id": passage_id, "topic_slug": slug}
            for passage_id, passage in result.all()
            for slug in catalog.tags(passage)
        ]
        if tags:
            await self.session.execute(insert(PassageTopicRow), tags)

    async def _curate_imported(self, library: Library) -> None:
        """An imported document whose curated summaries file (content/summaries/<slug>.toml)
        has come: its sections' summaries are the curated ones from now on."""
        if not library.curated:
            return
        result = await self.session.scalars(
            select(SectionRow)
            .join(DocumentRow, DocumentRow.id == SectionRow.document_id)
            .where(DocumentRow.origin == IMPORTED, DocumentRow.slug.in_(list(library.curated)))
            .options(selectinload(SectionRow.document))
        )
        by_document: dict[str, list[SectionRow]] = {}
        for row in result:
            by_document.setdefault(row.document.slug, []).append(row)
        for slug, rows in by_document.items():
            path, data = library.curated[slug]
            summaries = curated_summaries(path, data, {row.number for row in rows})
            for row in rows:
                summary = summaries[row.number]
                row.heading_en = summary.heading_en
                row.summary_zh, row.summary_en = list(summary.zh), list(summary.en)
                row.summary_automatic = False

    async def _rebuild_search_index(self) -> None:
        if self._sqlite:
            await self.session.execute(
                text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
            )

    async def content_version(self) -> str:
        """Changes whenever any document is added or replaced, in any process: a running bot
        compares it each minute with the one it read (bot.usecases.importing.refresh)."""
        return await self.stored_fact(CONTENT_VERSION_KEY) or ""

    async def bump_content_version(self) -> None:
        # A fresh random value, never a counter: two processes importing at once must not both
        # write "the next number" and leave a reader that saw one of them none the wiser.
        await self.store_fact(CONTENT_VERSION_KEY, uuid.uuid4().hex)

    # --- the owner's uploads waiting for Publish ---------------------------------------------

    async def put_pending_import(
        self, owner_id: int, token: str, file_name: str, data: bytes, now: datetime
    ) -> None:
        """The owner's one pending upload (a newer file replaces an older one)."""
        await self.session.execute(
            delete(PendingImportRow).where(PendingImportRow.owner_id == owner_id)
        )
        self.session.add(
            PendingImportRow(
                owner_id=owner_id, token=token, file_name=file_name, data=data, created_at=now
            )
        )

    async def take_pending_import(self, owner_id: int, token: str) -> PendingImportRow | None:
        """Remove and return the owner's pending upload with this token: of two taps on Publish
        (or Publish and Cancel), only one gets it."""
        row = await self.session.execute(
            delete(PendingImportRow)
            .where(PendingImportRow.owner_id == owner_id, PendingImportRow.token == token)
            .returning(
                PendingImportRow.file_name, PendingImportRow.data, PendingImportRow.created_at
            )
        )
        found = row.first()
        if found is None:
            return None
        return PendingImportRow(
            owner_id=owner_id,
            token=token,
            file_name=found.file_name,
            data=found.data,
            created_at=found.created_at,
        )

    @property
    def _sqlite(self) -> bool:
        return self.session.get_bind().dialect.name == "sqlite"

    async def content_shelf(self) -> Shelf | None:
        """Every document, newest first, each with its sections and passages' texts, in three
        queries; None before the first import."""
        documents = list(await self.session.scalars(select(DocumentRow).order_by(*NEWEST_FIRST)))
        if not documents:
            return None
        sections: dict[int, list[SectionRow]] = {d.id: [] for d in documents}
        for section in await self.session.scalars(select(SectionRow).order_by(SectionRow.number)):
            sections.setdefault(section.document_id, []).append(section)
        texts: dict[int, dict[int, list[str]]] = {
            d.id: {s.number: [] for s in sections[d.id]} for d in documents
        }
        result = await self.session.execute(
            select(PassageRow.document_id, PassageRow.section_number, PassageRow.text).order_by(
                PassageRow.document_id, PassageRow.position
            )
        )
        for document_id, number, passage in result.all():
            texts[document_id].setdefault(number, []).append(passage)
        return Shelf(
            tuple(
                ContentSnapshot(
                    DocumentView(
                        document.slug,
                        document.title,
                        document.title_en,
                        document.published,
                        document.source_url,
                    ),
                    tuple(
                        SectionView(
                            s.number,
                            s.heading,
                            s.heading_en,
                            s.body,
                            tuple(s.summary_zh),
                            tuple(s.summary_en),
                            s.summary_automatic,
                        )
                        for s in sections[document.id]
                    ),
                    {n: tuple(t) for n, t in texts[document.id].items()},
                )
                for document in documents
            )
        )

    async def primary_document(self) -> DocumentRow | None:
        """The newest document (content.library.Library.primary's order)."""
        return await self.session.scalar(select(DocumentRow).order_by(*NEWEST_FIRST).limit(1))

    async def document_by_slug(self, slug: str) -> DocumentRow | None:
        return await self.session.scalar(select(DocumentRow).where(DocumentRow.slug == slug))

    async def section(self, document_id: int, number: int) -> SectionRow | None:
        return await self.session.scalar(
            select(SectionRow).where(
                SectionRow.document_id == document_id, SectionRow.number == number
            )
        )

    async def sections(self, document_id: int) -> list[SectionRow]:
        result = await self.session.scalars(
            select(SectionRow)
            .where(SectionRow.document_id == document_id)
            .order_by(SectionRow.number)
        )
        return list(result)

    async def passages(self, section_id: int) -> list[PassageRow]:
        result = await self.session.scalars(
            select(PassageRow)
            .where(PassageRow.section_id == section_id)
            .order_by(PassageRow.ordinal)
        )
        return list(result)

    async def passage_count(self) -> int:
        return await self.session.scalar(select(func.count(PassageRow.id))) or 0

    # --- chats ---------------------------------------------------------------------------------

    async def touch_chat(
        self, chat_id: int, kind: str, language: str, now: datetime
    ) -> tuple[ChatRow, bool]:
        """The chat as stored, and whether it was created now (on first contact). Writing to the
        bot makes an inactive chat active again."""
        chat = await self.session.get(ChatRow, chat_id)
        if chat is None:
            chat = ChatRow(
                id=chat_id,
                kind=kind,
                language=language,
                active=True,
                created_at=now,
                last_seen_at=now,
            )
            self.session.add(chat)
            await self.session.flush()
            return chat, True
        # A chat seen in the last few minutes is not written again: most updates stay read-only.
        if chat.kind != kind or not chat.active or now - chat.last_seen_at > LAST_SEEN_PRECISION:
            chat.kind, chat.active, chat.last_seen_at = kind, True, now
            chat.inactive_since = None
        return chat, False

    async def set_chat_language(self, chat_id: int, language: str) -> None:
        await self.session.execute(
            update(ChatRow).where(ChatRow.id == chat_id).values(language=language)
        )

    async def chat(self, chat_id: int) -> ChatRow | None:
        return await self.session.get(ChatRow, chat_id)

    # --- topics and search -------------------------------------------------------------------

    async def topic_counts(self) -> list[tuple[TopicRow, int]]:
        """Every topic in catalogue order, with how many passages it tags."""
        count = func.count(PassageTopicRow.passage_id)
        result = await self.session.execute(
            select(TopicRow, count)
            .outerjoin(PassageTopicRow, PassageTopicRow.topic_slug == TopicRow.slug)
            .group_by(TopicRow.slug)
            .order_by(TopicRow.position)
        )
        return [(topic, int(n)) for topic, n in result.all()]

    async def passages_on_topic(
        self, slug: str, offset: int = 0, limit: int = 10
    ) -> tuple[list[PassageRow], int]:
        """A page of the topic's passages in document order, newest document first, and how
        many there are in all."""
        on_topic = and_(
            PassageTopicRow.passage_id == PassageRow.id, PassageTopicRow.topic_slug == slug
        )
        total = await self.session.scalar(
            select(func.count()).select_from(PassageRow).join(PassageTopicRow, on_topic)
        )
        rows = await self.session.scalars(
            select(PassageRow)
            .join(PassageTopicRow, on_topic)
            .join(DocumentRow, DocumentRow.id == PassageRow.document_id)
            .order_by(*NEWEST_FIRST, PassageRow.position)
            .offset(offset)
            .limit(limit)
        )
        return list(rows), int(total or 0)

    async def document_order(self) -> dict[int, DocumentView]:
        """Every document by row id, newest first (dicts keep their order): what groups a
        listing's passages by document."""
        documents = await self.session.scalars(select(DocumentRow).order_by(*NEWEST_FIRST))
        return {
            d.id: DocumentView(d.slug, d.title, d.title_en, d.published, d.source_url)
            for d in documents
        }

    def _containing(self, folded_query: str) -> tuple[ColumnElement[bool], ColumnElement[Any]]:
        """Where-clause and best-first order for passages that contain the (folded) text."""
        occurrences = (
            func.length(PassageRow.folded)
            - func.length(func.replace(PassageRow.folded, folded_query, ""))
        ) / max(len(folded_query), 1)
        if self._sqlite and len(folded_query) >= FTS_MIN_QUERY:
            phrase = '"' + folded_query.replace('"', '""') + '"'
            fts_ids = (
                text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :phrase")
                .bindparams(phrase=phrase)
                .columns(rowid=Integer)
            )
            return PassageRow.id.in_(fts_ids), occurrences
        pattern = f"%{_like_escape(folded_query)}%"
        return PassageRow.folded.like(pattern, escape="\\"), occurrences

    async def passages_containing(
        self, query: str, offset: int = 0, limit: int = 10
    ) -> tuple[list[PassageRow], int]:
        """A page of passages containing `query` (case, width and blanks ignored), newest
        document first, then most occurrences first, then in document order; and the total."""
        folded_query = fold(query)
        if not folded_query:
            return [], 0
        where, occurrences = self._containing(folded_query)
        total = await self.session.scalar(select(func.count()).select_from(PassageRow).where(where))
        rows = await self.session.scalars(
            select(PassageRow)
            .where(where)
            .join(DocumentRow, DocumentRow.id == PassageRow.document_id)
            .order_by(*NEWEST_FIRST, occurrences.desc(), PassageRow.position)
            .offset(offset)
            .limit(limit)
        )
        return list(rows), int(total or 0)

    async def count_containing(self, query: str) -> int:
        return (await self.passages_containing(query, limit=0))[1]

    async def save_query(self, query: str, now: datetime | None = None) -> int:
        """The id of a saved search text (created once), for page buttons; it counts as used."""
        query = without_controls(query)
        now = now or datetime.now(UTC)
        existing = (
            await self.session.execute(
                select(SavedQueryRow.id, SavedQueryRow.last_used_at).where(
                    SavedQueryRow.text == query
                )
            )
        ).first()
        if existing is not None:
            await self._used_query(existing[0], existing[1], now)
            return int(existing[0])
        row = SavedQueryRow(text=query, last_used_at=now)
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def saved_query(self, query_id: int, now: datetime | None = None) -> str | None:
        """The text behind a page button's id, which counts as a use; None if there is none (never
        handed out, or deleted after SAVED_QUERY_DAYS unused)."""
        found = (
            await self.session.execute(
                select(SavedQueryRow.text, SavedQueryRow.last_used_at).where(
                    SavedQueryRow.id == query_id
                )
            )
        ).first()
        if found is None:
            return None
        await self._used_query(query_id, found[1], now or datetime.now(UTC))
        return str(found[0])

    async def _used_query(self, query_id: int, last_used: datetime | None, now: datetime) -> None:
        """Record a use, at most once per SAVED_QUERY_USE_PRECISION (most page turns only read)."""
        if last_used is not None:
            if last_used.tzinfo is None:  # what a raw select may hand back on SQLite
                last_used = last_used.replace(tzinfo=UTC)
            if now - last_used < SAVED_QUERY_USE_PRECISION:
                return
        await self.session.execute(
            update(SavedQueryRow).where(SavedQueryRow.id == query_id).values(last_used_at=now)
        )

    # --- subscriptions -----------------------------------------------------------------------

    async def subscriptions(self, chat_id: int) -> list[SubscriptionRow]:
        result = await self.session.scalars(
            select(SubscriptionRow)
            .where(SubscriptionRow.chat_id == chat_id)
            .order_by(SubscriptionRow.created_at, SubscriptionRow.id)
        )
        return list(result)

    async def subscribe(
        self, chat_id: int, kind: str, value: str, label: str, now: datetime
    ) -> bool:
        """True if this is new; an existing subscription is left as it is."""
        existing = await self.session.scalar(
            select(SubscriptionRow.id).where(
                SubscriptionRow.chat_id == chat_id,
                SubscriptionRow.kind == kind,
                SubscriptionRow.value == value,
            )
        )
        if existing is not None:
            return False
        self.session.add(
            SubscriptionRow(
                chat_id=chat_id,
                kind=kind,
                value=without_controls(value),
                label=without_controls(label),
                created_at=now,
            )
        )
        await self.session.flush()
        return True

    async def unsubscribe(self, chat_id: int, kind: str, value: str) -> bool:
        result = await self.session.execute(
            delete(SubscriptionRow).where(
                SubscriptionRow.chat_id == chat_id,
                SubscriptionRow.kind == kind,
                SubscriptionRow.value == value,
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def unsubscribe_all(self, chat_id: int) -> int:
        result = await self.session.execute(
            delete(SubscriptionRow).where(SubscriptionRow.chat_id == chat_id)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def subscriptions_of(self, chat_ids: list[int]) -> dict[int, list[Follow]]:
        """What many chats follow, in one query (the push works in batches): kind, value and
        label of each subscription, in the order subscribed; columns, not ORM rows."""
        result = await self.session.execute(
            select(
                SubscriptionRow.chat_id, SubscriptionRow.kind, SubscriptionRow.value,
                SubscriptionRow.label,
            )
            .where(SubscriptionRow.chat_id.in_(chat_ids))
            .order_by(SubscriptionRow.created_at, SubscriptionRow.id)
        )  # fmt: skip
        grouped: dict[int, list[Follow]] = {chat_id: [] for chat_id in chat_ids}
        for chat_id, kind, value, label in result.all():
            grouped[chat_id].append(Follow(kind, value, label))
        return grouped

    # --- schedules ---------------------------------------------------------------------------

    async def schedule(self, chat_id: int) -> ScheduleRow | None:
        return await self.session.get(ScheduleRow, chat_id)

    async def add_schedule(
        self, chat_id: int, briefing_time: str, timezone: str, next_due_at: datetime
    ) -> ScheduleRow:
        row = ScheduleRow(
            chat_id=chat_id,
            briefing_time=briefing_time,
            timezone=timezone,
            paused=False,
            thread_id=None,
            next_due_at=next_due_at,
        )
        self.session.add(row)
        await self.session.flush()
        return row

    async def chats_without_schedule(self, limit: int) -> list[int]:
        result = await self.session.scalars(
            select(ChatRow.id)
            .outerjoin(ScheduleRow, ScheduleRow.chat_id == ChatRow.id)
            .where(ScheduleRow.chat_id.is_(None))
            .limit(limit)
        )
        return list(result)

    async def due_schedules(self, now: datetime, limit: int) -> list[DueSchedule]:
        """Schedules whose next briefing is due, of active, unpaused chats, oldest first; as
        columns (the push reads thousands: no ORM rows to build and keep in step)."""
        result = await self.session.execute(
            select(
                ScheduleRow.chat_id, ScheduleRow.briefing_time, ScheduleRow.timezone,
                ScheduleRow.weekdays, ScheduleRow.items,
            )
            .join(ChatRow, ChatRow.id == ScheduleRow.chat_id)
            .where(
                ScheduleRow.next_due_at <= now,
                ScheduleRow.paused.is_(False),
                ChatRow.active.is_(True),
            )
            .order_by(ScheduleRow.next_due_at)
            .limit(limit)
        )  # fmt: skip
        return [DueSchedule(*row) for row in result.all()]

    async def move_schedules(self, next_due: dict[int, datetime]) -> None:
        """Set the next briefing's instant of many schedules: one statement, run for each."""
        if not next_due:
            return
        table = cast(Table, ScheduleRow.__table__)
        await self.session.execute(
            update(table)
            .where(table.c.chat_id == bind("b_chat"))
            .values(next_due_at=bind("b_due", type_=UTCDateTime())),
            [{"b_chat": chat_id, "b_due": at} for chat_id, at in next_due.items()],
        )

    # --- reading state -----------------------------------------------------------------------

    async def reading_states(
        self, chat_ids: list[int], document_slug: str
    ) -> dict[int, ReadingStateRow]:
        """Each chat's reading state, created empty where missing (as briefed from
        `document_slug`, the newest document: nothing is news to a chat that starts now). A state
        spans every document: its keys carry their document's slug ("<slug>:S.O")."""
        rows = {
            row.chat_id: row
            for row in await self.session.scalars(
                select(ReadingStateRow).where(ReadingStateRow.chat_id.in_(chat_ids))
            )
        }
        for chat_id in chat_ids:
            if chat_id not in rows:
                row = ReadingStateRow(
                    chat_id=chat_id,
                    document_slug=document_slug,
                    received=[],
                    cursors={},
                    rotation=0,
                )
                self.session.add(row)
                rows[chat_id] = row
        return rows

    async def stored_reading_states(
        self, chat_ids: list[int], document_slug: str
    ) -> dict[int, StoredReadingState]:
        """As `reading_states`, as columns: a chat without a row gets an empty state (not yet
        stored; `save_reading_states` inserts it)."""
        table = cast(Table, ReadingStateRow.__table__)
        result = await self.session.execute(
            select(
                table.c.chat_id, table.c.document_slug, table.c.received, table.c.cursors,
                table.c.rotation,
            ).where(table.c.chat_id.in_(chat_ids))
        )  # fmt: skip
        states = {row[0]: StoredReadingState(*row) for row in result.all()}
        for chat_id in chat_ids:
            if chat_id not in states:
                states[chat_id] = StoredReadingState(chat_id, document_slug, [], {}, 0, False)
        return states

    async def save_reading_states(self, states: list[StoredReadingState]) -> None:
        """Write reading states read by `stored_reading_states`: an UPDATE run for those stored,
        an INSERT for the new (one another planner stored meanwhile keeps its own)."""
        table = cast(Table, ReadingStateRow.__table__)
        stored = [state for state in states if state.stored]
        new = [state for state in states if not state.stored]
        if stored:
            await self.session.execute(
                update(table)
                .where(table.c.chat_id == bind("b_chat"))
                .values(
                    document_slug=bind("b_slug"),
                    received=bind("b_received", type_=JSON()),
                    cursors=bind("b_cursors", type_=JSON()),
                    rotation=bind("b_rotation"),
                ),
                [
                    {"b_chat": s.chat_id, "b_slug": s.document_slug, "b_received": s.received,
                     "b_cursors": s.cursors, "b_rotation": s.rotation}
                    for s in stored
                ],
            )  # fmt: skip
        if new:
            await self.session.execute(
                self._insert(table).on_conflict_do_nothing(index_elements=["chat_id"]),
                [
                    {"chat_id": s.chat_id, "document_slug": s.document_slug,
                     "received": s.received, "cursors": s.cursors, "rotation": s.rotation}
                    for s in new
                ],
            )  # fmt: skip

    # --- the delivery ledger -------------------------------------------------------------------

    async def delivery(self, chat_id: int, day: date, kind: str = "briefing") -> DeliveryRow | None:
        return await self.session.scalar(
            select(DeliveryRow).where(
                DeliveryRow.chat_id == chat_id,
                DeliveryRow.local_date == day,
                DeliveryRow.kind == kind,
            )
        )

    async def reserve_delivery(
        self, chat_id: int, day: date, now: datetime, kind: str = "briefing"
    ) -> DeliveryRow | None:
        """Insert the (chat, date) ledger row if absent; the new row, or None if it existed.

        The unique key makes this the one place two planners (a push, /today, a second process)
        can meet: exactly one of them gets the row."""
        statement = (
            self._insert(DeliveryRow)
            .values(
                chat_id=chat_id,
                local_date=day,
                kind=kind,
                status=PLANNED,
                payload={},
                attempts=0,
                planned_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["chat_id", "local_date", "kind"])
            .returning(DeliveryRow.id)
        )
        new_id = await self.session.scalar(statement)
        if new_id is None:
            return None
        return await self.session.get(DeliveryRow, new_id)

    def _insert(self, table: type[DeliveryRow] | Table) -> Any:
        """INSERT with ON CONFLICT, in this database's dialect (SQLite or PostgreSQL)."""
        if self._sqlite:
            return sqlite_insert(table)
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert  # only if used

        return postgresql_insert(table)

    async def briefings_on(self, days: dict[int, date]) -> dict[int, tuple[int, str]]:
        """Existing briefing rows for (chat, local date) pairs: chat → (row id, status)."""
        if not days:
            return {}
        result = await self.session.execute(
            select(
                DeliveryRow.chat_id, DeliveryRow.local_date, DeliveryRow.id, DeliveryRow.status
            ).where(DeliveryRow.chat_id.in_(list(days)), DeliveryRow.kind == BRIEFING)
        )
        return {
            chat_id: (row_id, status)
            for chat_id, day, row_id, status in result.all()
            if days.get(chat_id) == day
        }

    async def queue_planned(self, row_ids: list[int], now: datetime) -> None:
        if row_ids:
            await self.session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id.in_(row_ids), DeliveryRow.status == PLANNED)
                .values(status=QUEUED, updated_at=now)
            )

    async def insert_queued_briefings(
        self, rows: list[tuple[int, date, BriefingPayload]], now: datetime
    ) -> set[int]:
        """Insert ready-to-send briefing rows; the chats whose row this insert made (a row that
        already exists, planned concurrently elsewhere, is left alone). One statement, run for
        every row (executemany: compiled once, not a VALUES list of thousands of parameters)."""
        if not rows:
            return set()
        table = cast(Table, DeliveryRow.__table__)
        statement = (
            self._insert(table)
            .on_conflict_do_nothing(index_elements=["chat_id", "local_date", "kind"])
            .returning(table.c.chat_id)
        )
        result = await self.session.execute(
            statement,
            [
                {"chat_id": chat_id, "local_date": day, "kind": BRIEFING, "status": QUEUED,
                 "payload": payload.to_json(), "attempts": 0, "planned_at": now,
                 "updated_at": now}
                for chat_id, day, payload in rows
            ],
        )  # fmt: skip
        return set(result.scalars())

    async def claim_deliveries(
        self, delivery_ids: list[int], now: datetime, claimer: str | None = None
    ) -> list[Claim]:
        """Mark queued (or retryable) rows as being sent by `claimer`, and return what sending
        them needs. A row someone else claimed first is left out."""
        if not delivery_ids:
            return []
        # Core, not the ORM's bulk UPDATE: no session objects to keep in step (about a third of
        # a claim's CPU in issue 15's profiles).
        table = cast(Table, DeliveryRow.__table__)
        claimed = list(
            await self.session.scalars(
                update(table)
                .where(table.c.id.in_(delivery_ids), table.c.status.in_((QUEUED, FAILED)))
                .values(
                    status=SENDING,
                    attempts=table.c.attempts + 1,
                    updated_at=now,
                    claimed_by=claimer,
                )
                .returning(table.c.id)
            )
        )
        if not claimed:
            return []
        result = await self.session.execute(
            select(
                DeliveryRow.id, DeliveryRow.chat_id, DeliveryRow.local_date,
                DeliveryRow.payload, ChatRow.language, ScheduleRow.thread_id, ScheduleRow.quiet,
            )
            .join(ChatRow, ChatRow.id == DeliveryRow.chat_id)
            .outerjoin(ScheduleRow, ScheduleRow.chat_id == DeliveryRow.chat_id)
            .where(DeliveryRow.id.in_(claimed))
            .order_by(DeliveryRow.id)
        )  # fmt: skip
        claims = [
            Claim(row_id, chat_id, day, payload_from_json(payload), language, thread_id,
                  bool(quiet))
            for row_id, chat_id, day, payload, language, thread_id, quiet in result.all()
        ]  # fmt: skip
        return await self._with_broadcast_texts(claims)

    async def _with_broadcast_texts(self, claims: list[Claim]) -> list[Claim]:
        """Broadcast rows name their broadcast; its text is read here, once per broadcast. (Rows
        queued before that carry the text themselves and keep it; a broadcast gone leaves the
        text None, and the sender gives the row up.)"""
        wanted = {
            claim.payload.broadcast
            for claim in claims
            if isinstance(claim.payload, BroadcastPayload) and claim.payload.text is None
        }
        if not wanted:
            return claims
        found = await self.session.execute(
            select(BroadcastRow.id, BroadcastRow.text).where(BroadcastRow.id.in_(wanted))
        )
        texts = {broadcast_id: words for broadcast_id, words in found.all()}
        return [
            replace(claim, payload=replace(claim.payload, text=texts.get(claim.payload.broadcast)))
            if isinstance(claim.payload, BroadcastPayload) and claim.payload.text is None
            else claim
            for claim in claims
        ]

    async def latest_briefing(self, chat_id: int) -> DeliveryRow | None:
        """The chat's briefing row planned last, locked until the transaction ends (PostgreSQL;
        SQLite's transactions take turns anyway), so that a sender cannot claim it meanwhile."""
        return await self.session.scalar(
            select(DeliveryRow)
            .where(DeliveryRow.chat_id == chat_id, DeliveryRow.kind == BRIEFING)
            .order_by(DeliveryRow.id.desc())
            .limit(1)
            .with_for_update()
        )

    async def recent_briefings(
        self, chat_ids: list[int], since: datetime, statuses: tuple[str, ...]
    ) -> dict[int, list[tuple[int, date, str, datetime]]]:
        """Per chat, its briefing rows in `statuses` last touched (claimed, sent, failed) at or
        after `since`: (row id, local date, status, touched at) each; chats with none are left
        out."""
        if not chat_ids:
            return {}
        # The statuses are checked here, not in SQL: given `status IN (...)`, SQLite looks the
        # rows up by the status index, every sent briefing ever kept, on every page of the push
        # (issue 15: the push slowed as the ledger grew); by chat it reads a few rows a chat.
        result = await self.session.execute(
            select(
                DeliveryRow.chat_id, DeliveryRow.id, DeliveryRow.local_date, DeliveryRow.status,
                DeliveryRow.updated_at,
            ).where(
                DeliveryRow.chat_id.in_(chat_ids),
                DeliveryRow.kind == BRIEFING,
                DeliveryRow.updated_at >= since,
            )
        )  # fmt: skip
        recent: dict[int, list[tuple[int, date, str, datetime]]] = {}
        for chat_id, row_id, day, status, at in result.all():
            if status in statuses:
                recent.setdefault(chat_id, []).append((row_id, day, status, at))
        return recent

    async def briefing_statuses(self, chat_id: int, since: date) -> dict[date, str]:
        """The chat's briefing rows from local date `since` on: date → status."""
        result = await self.session.execute(
            select(DeliveryRow.local_date, DeliveryRow.status).where(
                DeliveryRow.chat_id == chat_id,
                DeliveryRow.kind == BRIEFING,
                DeliveryRow.local_date >= since,
            )
        )
        return {day: status for day, status in result.all()}

    async def finish_delivery(
        self,
        delivery_id: int,
        status: str,
        now: datetime,
        message_id: int | None = None,
        error: str | None = None,
        claimer: str | None = None,
    ) -> None:
        await self.finish_deliveries([Mark(delivery_id, status, now, message_id, error)], claimer)

    async def finish_deliveries(self, marks: list[Mark], claimer: str | None = None) -> None:
        """Write the outcomes of sends, in one statement run for all of them (group commit).
        With a `claimer`, a row is marked only while it still holds it (being sent, claimed by
        it): one taken over by another process after the lease (PostgreSQL) keeps that one's
        outcome. Without one (a single send, owner tools), the row is marked as it is."""
        if not marks:
            return
        table = cast(Table, DeliveryRow.__table__)  # Core: one executemany, not the ORM bulk path
        held = (
            [table.c.status == SENDING, table.c.claimed_by == bind("b_claimer")]
            if claimer is not None
            else []
        )
        await self.session.execute(
            update(table)
            .where(table.c.id == bind("b_id"), *held)
            .values(
                status=bind("b_status"),
                updated_at=bind("b_at", type_=UTCDateTime()),
                message_id=bind("b_message"),
                error=bind("b_error"),
            ),
            [
                {"b_id": m.delivery_id, "b_claimer": claimer, "b_status": m.status,
                 "b_at": m.at, "b_message": m.message_id, "b_error": m.error}
                for m in marks
            ],
        )  # fmt: skip
        gone = sorted({m.chat_gone for m in marks if m.chat_gone is not None})
        if gone:
            chats = cast(Table, ChatRow.__table__)
            await self.session.execute(
                update(chats).where(chats.c.id.in_(gone)).values(active=False)
            )

    async def renew_claims(self, delivery_ids: list[int], claimer: str, now: datetime) -> set[int]:
        """Start the lease of rows `claimer` still holds again (before a send after a long wait);
        the ones it still holds. A row taken over meanwhile must not be sent by it."""
        if not delivery_ids:
            return set()
        held = await self.session.scalars(
            update(DeliveryRow)
            .where(
                DeliveryRow.id.in_(delivery_ids),
                DeliveryRow.status == SENDING,
                DeliveryRow.claimed_by == claimer,
            )
            .values(updated_at=now)
            .returning(DeliveryRow.id)
        )
        return set(held)

    async def unclaim(self, delivery_ids: list[int], claimer: str, now: datetime) -> int:
        """Put rows `claimer` claimed but never sent back in the queue, as if never claimed (the
        push is stopping); how many."""
        if not delivery_ids:
            return 0
        result = await self.session.execute(
            update(DeliveryRow)
            .where(
                DeliveryRow.id.in_(delivery_ids),
                DeliveryRow.status == SENDING,
                DeliveryRow.claimed_by == claimer,
            )
            .values(
                status=QUEUED,
                attempts=DeliveryRow.attempts - 1,
                updated_at=now,
                claimed_by=None,
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def sendable_deliveries(
        self, after_id: int, limit: int, max_attempts: int
    ) -> list[Sendable]:
        """Queued or failed rows (with attempts left) of active chats, by id after `after_id`,
        each with its chat's time zone: the columns the push decides by, not whole rows (their
        payloads are read when claimed).

        One query per status, each walking its status's rows in id order and stopping at
        `limit`: given `status IN (queued, failed)`, SQLite read every such row after `after_id`
        and sorted them all, on every page (issue 15: quadratic in the push's size)."""
        rows: list[Sendable] = []
        for status in (QUEUED, FAILED):
            result = await self.session.execute(
                select(
                    DeliveryRow.id, DeliveryRow.chat_id, DeliveryRow.kind, DeliveryRow.local_date,
                    DeliveryRow.status, DeliveryRow.attempts, DeliveryRow.updated_at,
                    ScheduleRow.timezone,
                )
                .join(ChatRow, ChatRow.id == DeliveryRow.chat_id)
                .join(ScheduleRow, ScheduleRow.chat_id == DeliveryRow.chat_id)
                .where(
                    DeliveryRow.id > after_id,
                    DeliveryRow.status == status,
                    DeliveryRow.attempts < max_attempts,
                    ChatRow.active.is_(True),
                )
                .order_by(DeliveryRow.id)
                .limit(limit)
            )  # fmt: skip
            rows += [Sendable(*row) for row in result.all()]
        rows.sort(key=lambda row: row.id)
        return rows[:limit]

    async def give_up_deliveries(self, reasons: dict[int, str], now: datetime) -> None:
        """Give up queued or failed rows that must never be sent (their day is over, MIN_GAP)."""
        if not reasons:
            return
        table = cast(Table, DeliveryRow.__table__)
        await self.session.execute(
            update(table)
            .where(table.c.id == bind("b_id"), table.c.status.in_((QUEUED, FAILED)))
            .values(status=GAVE_UP, error=bind("b_error"), updated_at=now),
            [{"b_id": row_id, "b_error": reason} for row_id, reason in reasons.items()],
        )

    async def release_interrupted_sends(
        self, now: datetime, claimed_before: datetime | None = None
    ) -> int:
        """Queue again the sends left in flight by a process that died: all of them (one process
        per SQLite database), or those claimed before `claimed_before` (a lease, when several
        processes share a PostgreSQL database and a live one may be mid-send)."""
        condition = DeliveryRow.status == SENDING
        if claimed_before is not None:
            condition = and_(condition, DeliveryRow.updated_at < claimed_before)
        result = await self.session.execute(
            update(DeliveryRow)
            .where(condition)
            .values(status=QUEUED, updated_at=now, claimed_by=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def set_chat_active(self, chat_id: int, active: bool) -> None:
        """(Inactive since when is stamped by the next retention run: see apply_retention.)"""
        values: dict[str, Any] = {"active": active}
        if active:
            values["inactive_since"] = None
        table = cast(Table, ChatRow.__table__)  # Core: the push meets a blocked chat often
        await self.session.execute(update(table).where(table.c.id == chat_id).values(**values))

    async def migrate_chat(self, old_id: int, new_id: int) -> bool:
        """A group became a supergroup: its settings, subscriptions and ledger move to the new id.
        Whatever the new id already had (it may have written to us first) gives way."""
        old = await self.session.get(ChatRow, old_id)
        if old is None:
            return False
        if await self.session.get(ChatRow, new_id) is not None:
            await self.session.execute(delete(ChatRow).where(ChatRow.id == new_id))
        await self.session.flush()
        await self.session.execute(
            update(ChatRow).where(ChatRow.id == old_id).values(id=new_id, kind="supergroup")
        )
        self.session.expunge_all()
        return True

    # --- a chat's own data (/stop, /history) ----------------------------------------------------

    async def delete_chat(self, chat_id: int) -> bool:
        """Everything kept about the chat: its ledger, reading state, subscriptions, schedule and
        the chat row itself; whether the chat was known. Children go first, so that it holds
        whatever the foreign keys' ON DELETE says, on SQLite and PostgreSQL alike."""
        for table in (DeliveryRow, ReadingStateRow, SubscriptionRow, ScheduleRow):
            await self.session.execute(delete(table).where(table.chat_id == chat_id))
        result = await self.session.execute(delete(ChatRow).where(ChatRow.id == chat_id))
        return bool(getattr(result, "rowcount", 0))

    async def sent_briefings(
        self, chat_id: int, limit: int, delivery_id: int | None = None
    ) -> list[SentBriefing]:
        """The chat's last `limit` daily briefings that were sent, newest first (or the one with
        `delivery_id`, if it is one of the chat's sent briefings)."""
        statement = select(DeliveryRow.id, DeliveryRow.local_date, DeliveryRow.payload).where(
            DeliveryRow.chat_id == chat_id,
            DeliveryRow.kind == BRIEFING,
            DeliveryRow.status == SENT,
        )
        if delivery_id is not None:
            statement = statement.where(DeliveryRow.id == delivery_id)
        result = await self.session.execute(
            statement.order_by(DeliveryRow.local_date.desc(), DeliveryRow.id.desc()).limit(limit)
        )
        sent = []
        for row_id, day, data in result.all():
            payload = payload_from_json(data or {})
            if isinstance(payload, BriefingPayload):
                sent.append(SentBriefing(row_id, day, payload))
        return sent

    # --- data retention (README: Data retention) ------------------------------------------------

    async def apply_retention(self, now: datetime) -> Retention:
        """Delete what the retention rules say is kept no longer, as of `now`:

        - delivery ledger rows (daily briefings and broadcasts) older than LEDGER_DAYS: local
          date and last change both before the cut-off, so nothing still in flight goes;
        - chats inactive (blocked or removed the bot) for more than INACTIVE_CHAT_DAYS, with
          everything kept about them (delete_chat). The day a chat went inactive is the first
          run that finds it inactive (stamped in `inactive_since`); writing to the bot again
          clears it;
        - saved searches (page buttons' queries) unused for SAVED_QUERY_DAYS; one never stamped
          (from before retention) counts as used at the first run.
        """
        ledger_cutoff = now - timedelta(days=LEDGER_DAYS)
        result = await self.session.execute(
            delete(DeliveryRow).where(
                DeliveryRow.local_date < ledger_cutoff.date(),
                DeliveryRow.updated_at < ledger_cutoff,
            )
        )
        ledger_rows = int(getattr(result, "rowcount", 0) or 0)

        await self.session.execute(
            update(ChatRow)
            .where(ChatRow.active.is_(True), ChatRow.inactive_since.is_not(None))
            .values(inactive_since=None)
        )
        await self.session.execute(
            update(ChatRow)
            .where(ChatRow.active.is_(False), ChatRow.inactive_since.is_(None))
            .values(inactive_since=now)
        )
        gone = list(
            await self.session.scalars(
                select(ChatRow.id).where(
                    ChatRow.active.is_(False),
                    ChatRow.inactive_since < now - timedelta(days=INACTIVE_CHAT_DAYS),
                )
            )
        )
        for chat_id in gone:
            await self.delete_chat(chat_id)

        await self.session.execute(
            update(SavedQueryRow)
            .where(SavedQueryRow.last_used_at.is_(None))
            .values(last_used_at=now)
        )
        result = await self.session.execute(
            delete(SavedQueryRow).where(
                SavedQueryRow.last_used_at < now - timedelta(days=SAVED_QUERY_DAYS)
            )
        )
        saved_queries = int(getattr(result, "rowcount", 0) or 0)
        self.session.expunge_all()  # rows deleted in bulk must not linger in the session
        return Retention(ledger_rows, tuple(gone), saved_queries)

    # --- the owner's view and tools --------------------------------------------------------------

    async def chat_counts(self) -> dict[tuple[str, bool], int]:
        """(kind, active) → number of chats."""
        result = await self.session.execute(
            select(ChatRow.kind, ChatRow.active, func.count()).group_by(
                ChatRow.kind, ChatRow.active
            )
        )
        return {(kind, bool(active)): int(n) for kind, active, n in result.all()}

    async def subscription_counts(self) -> dict[tuple[str, str], int]:
        """(kind, value) → number of chats following it."""
        result = await self.session.execute(
            select(SubscriptionRow.kind, SubscriptionRow.value, func.count()).group_by(
                SubscriptionRow.kind, SubscriptionRow.value
            )
        )
        return {(kind, value): int(n) for kind, value, n in result.all()}

    async def delivery_counts(self, day: date, kind: str = "briefing") -> dict[str, int]:
        result = await self.session.execute(
            select(DeliveryRow.status, func.count())
            .where(DeliveryRow.local_date == day, DeliveryRow.kind == kind)
            .group_by(DeliveryRow.status)
        )
        return {status: int(n) for status, n in result.all()}

    async def failures_since(self, since: datetime) -> dict[str, int]:
        result = await self.session.execute(
            select(DeliveryRow.status, func.count())
            .where(
                DeliveryRow.status.in_((FAILED, GAVE_UP, UNCERTAIN)),
                DeliveryRow.updated_at >= since,
            )
            .group_by(DeliveryRow.status)
        )
        return {status: int(n) for status, n in result.all()}

    async def daily_sent(self, since: date) -> dict[date, int]:
        """Briefings sent per local date since `since`."""
        result = await self.session.execute(
            select(DeliveryRow.local_date, func.count())
            .where(
                DeliveryRow.local_date >= since,
                DeliveryRow.kind == "briefing",
                DeliveryRow.status == SENT,
            )
            .group_by(DeliveryRow.local_date)
        )
        return {day: int(n) for day, n in result.all()}

    async def first_subscription_dates(self) -> list[datetime]:
        """When each chat that follows something first subscribed (for the subscribers curve)."""
        result = await self.session.scalars(
            select(func.min(SubscriptionRow.created_at)).group_by(SubscriptionRow.chat_id)
        )
        return [value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
                for value in result]  # fmt: skip

    async def create_broadcast(self, text: str, created_by: int, now: datetime) -> BroadcastRow:
        row = BroadcastRow(
            text=without_controls(text), created_by=created_by, created_at=now, status="draft"
        )
        self.session.add(row)
        await self.session.flush()
        return row

    async def broadcast(self, broadcast_id: int) -> BroadcastRow | None:
        return await self.session.get(BroadcastRow, broadcast_id)

    async def active_chat_count(self) -> int:
        return await self.session.scalar(select(func.count()).where(ChatRow.active.is_(True))) or 0

    async def queue_broadcast(self, broadcast: BroadcastRow, day: date, now: datetime) -> int:
        """One queued ledger row per active chat, in one statement; how many. The rows name the
        broadcast; its text stays in the broadcasts table, once (claim_deliveries reads it)."""
        kind = f"broadcast:{broadcast.id}"
        chats = select(
            ChatRow.id, literal(day), literal(kind), literal(QUEUED),
            literal(BroadcastPayload(broadcast.id).to_json(), type_=JSON),  # text: read at send
            literal(0), literal(now, type_=UTCDateTime()), literal(now, type_=UTCDateTime()),
        ).where(ChatRow.active.is_(True))  # fmt: skip
        result = await self.session.execute(
            insert(DeliveryRow).from_select(
                ["chat_id", "local_date", "kind", "status", "payload", "attempts", "planned_at",
                 "updated_at"],
                chats,
            )
        )  # fmt: skip
        broadcast.status = "sending"
        return int(getattr(result, "rowcount", 0) or 0)
