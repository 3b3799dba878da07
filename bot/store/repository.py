"""Every query the bot makes, in one place. Handlers and jobs call these; they never build SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import ChatRow, ContentStateRow, DocumentRow, PassageRow, SectionRow
from content.library import Library

CONTENT_HASH_KEY = "content_hash"


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
                rows = []
                for passage in section.passages:
                    position += 1
                    rows.append(
                        {
                            "document_id": document_id,
                            "section_id": section_id,
                            "section_number": section.number,
                            "ordinal": passage.ordinal,
                            "position": position,
                            "text": passage.text,
                        }
                    )
                if rows:
                    await self.session.execute(insert(PassageRow), rows)
        await self.session.merge(ContentStateRow(key=CONTENT_HASH_KEY, value=library.content_hash))

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
