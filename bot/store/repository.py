"""Every query the bot makes, in one place. Handlers and jobs call these; they never build SQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import (
    ChatRow,
    ContentStateRow,
    DocumentRow,
    PassageRow,
    PassageTopicRow,
    SavedQueryRow,
    SectionRow,
    SubscriptionRow,
    TopicRow,
)
from content.catalog import fold
from content.library import Library

CONTENT_HASH_KEY = "content_hash"
FTS_TABLE = "passage_search"
FTS_MIN_QUERY = 3  # the trigram tokenizer cannot match fewer characters
TOPIC, KEYWORD = "topic", "keyword"


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class Repository:
    """A thin layer over one session; the Store commits or rolls back around it."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- content -------------------------------------------------------------------------------

    async def stored_content_hash(self) -> str | None:
        return await self.session.scalar(
            select(ContentStateRow.value).where(ContentStateRow.key == CONTENT_HASH_KEY)
        )

    async def replace_content(self, library: Library) -> None:
        """Swap all content rows for the library's, inside the caller's transaction."""
        await self.session.execute(delete(DocumentRow))
        await self.session.execute(delete(TopicRow))
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
            document = plan.document
            document_id = await self.session.scalar(
                insert(DocumentRow)
                .values(
                    slug=plan.slug,
                    position=plan.position,
                    title=document.title,
                    title_en=plan.title_en,
                    published=document.published,
                    source_url=document.source_url,
                )
                .returning(DocumentRow.id)
            )
            position = 0
            for section in document.sections:
                summary = plan.summaries[section.number]
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
        if self._sqlite:
            await self.session.execute(
                text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
            )
        await self.session.merge(ContentStateRow(key=CONTENT_HASH_KEY, value=library.content_hash))

    @property
    def _sqlite(self) -> bool:
        return self.session.get_bind().dialect.name == "sqlite"

    async def primary_document(self) -> DocumentRow | None:
        return await self.session.scalar(
            select(DocumentRow).order_by(DocumentRow.position, DocumentRow.slug).limit(1)
        )

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

    async def section_numbers(self, document_id: int) -> list[int]:
        result = await self.session.scalars(
            select(SectionRow.number)
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

    async def touch_chat(self, chat_id: int, kind: str, language: str, now: datetime) -> ChatRow:
        """The chat as stored, created on first contact; writing to the bot makes it active."""
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
        else:
            chat.kind, chat.active, chat.last_seen_at = kind, True, now
        return chat

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
        return [(topic, int(n)) for topic, n in result.tuples()]

    async def passages_on_topic(
        self, slug: str, offset: int = 0, limit: int = 10
    ) -> tuple[list[PassageRow], int]:
        """A page of the topic's passages in document order, and how many there are in all."""
        on_topic = and_(
            PassageTopicRow.passage_id == PassageRow.id, PassageTopicRow.topic_slug == slug
        )
        total = await self.session.scalar(
            select(func.count()).select_from(PassageRow).join(PassageTopicRow, on_topic)
        )
        rows = await self.session.scalars(
            select(PassageRow)
            .join(PassageTopicRow, on_topic)
            .order_by(PassageRow.position)
            .offset(offset)
            .limit(limit)
        )
        return list(rows), int(total or 0)

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
        """A page of passages containing `query` (case, width and blanks ignored), most
        occurrences first, then in document order; and the total."""
        folded_query = fold(query)
        if not folded_query:
            return [], 0
        where, occurrences = self._containing(folded_query)
        total = await self.session.scalar(select(func.count()).select_from(PassageRow).where(where))
        rows = await self.session.scalars(
            select(PassageRow)
            .where(where)
            .order_by(occurrences.desc(), PassageRow.position)
            .offset(offset)
            .limit(limit)
        )
        return list(rows), int(total or 0)

    async def count_containing(self, query: str) -> int:
        return (await self.passages_containing(query, limit=0))[1]

    async def save_query(self, query: str) -> int:
        """The id of a saved search text (created once), for page buttons."""
        existing = await self.session.scalar(
            select(SavedQueryRow.id).where(SavedQueryRow.text == query)
        )
        if existing is not None:
            return existing
        row = SavedQueryRow(text=query)
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def saved_query(self, query_id: int) -> str | None:
        return await self.session.scalar(
            select(SavedQueryRow.text).where(SavedQueryRow.id == query_id)
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
            SubscriptionRow(chat_id=chat_id, kind=kind, value=value, label=label, created_at=now)
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
