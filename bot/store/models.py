"""Tables. Content rows that came from content/ (documents of origin "seed", with their sections
and passages) are replaced wholesale on re-import; documents the owner imported (origin "import")
stay. Everything that belongs to a chat refers to content by stable keys, never by these row ids."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class DocumentRow(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)
    published: Mapped[date] = mapped_column(Date)
    source_url: Mapped[str] = mapped_column(Text)
    # Where it came from: "seed" (content/, replaced when content/ changes) or "import" (the
    # owner's `import`, kept). The slug is its stable name either way.
    origin: Mapped[str] = mapped_column(String(16), default="seed", server_default="seed")
    # When it entered the store (set for every row by the code and by migration 0005).
    added_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # content.importing.document_fingerprint: how a second copy of the same text is recognised.
    fingerprint: Mapped[str | None] = mapped_column(String(64), default=None)

    sections: Mapped[list[SectionRow]] = relationship(
        back_populates="document",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="SectionRow.number",
    )


class SectionRow(Base):
    __tablename__ = "sections"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    number: Mapped[int]
    heading: Mapped[str] = mapped_column(Text)
    heading_en: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    summary_zh: Mapped[list[str]] = mapped_column(JSON)
    summary_en: Mapped[list[str]] = mapped_column(JSON)
    # Picked from the section's own sentences (content/autosummary.py), not curated: the card
    # says so until a curated summary file comes.
    summary_automatic: Mapped[bool] = mapped_column(default=False, server_default=false())

    document: Mapped[DocumentRow] = relationship(back_populates="sections")
    passages: Mapped[list[PassageRow]] = relationship(
        back_populates="section",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="PassageRow.ordinal",
    )


class PassageRow(Base):
    __tablename__ = "passages"
    __table_args__ = (
        UniqueConstraint("section_id", "ordinal"),
        UniqueConstraint("document_id", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id", ondelete="CASCADE"))
    section_number: Mapped[int]
    ordinal: Mapped[int]
    position: Mapped[int] = mapped_column(doc="Index in document order, from 1, across sections.")
    text: Mapped[str] = mapped_column(Text)
    folded: Mapped[str] = mapped_column(Text, doc="content.catalog.fold(text): what search matches")

    section: Mapped[SectionRow] = relationship(back_populates="passages")


class ContentStateRow(Base):
    """Key/value facts about the imported content, e.g. the hash it was imported from."""

    __tablename__ = "content_state"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class PendingImportRow(Base):
    """A file an owner sent with /import, previewed and waiting for Publish or Cancel: one per
    owner (a new file replaces it), in the store so that the button works whichever process of
    several (webhook + PostgreSQL) receives the tap. `token` is on the preview's buttons: an
    older preview's button cannot publish a newer file."""

    __tablename__ = "pending_imports"

    owner_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str] = mapped_column(Text)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ChatRow(Base):
    """A chat that has talked to the bot: the owner of settings, subscriptions and deliveries."""

    __tablename__ = "chats"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Since when the chat has been inactive (blocked or removed the bot), as the daily retention
    # run first found it so; None while active. A year of it and the chat's data is deleted.
    inactive_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class TopicRow(Base):
    """A catalogue topic as imported; subscriptions name topics by slug, not by this row."""

    __tablename__ = "topics"

    slug: Mapped[str] = mapped_column(String(24), primary_key=True)
    position: Mapped[int]
    zh: Mapped[str] = mapped_column(Text)
    en: Mapped[str] = mapped_column(Text)


class PassageTopicRow(Base):
    """A passage tagged with a topic at import time."""

    __tablename__ = "passage_topics"

    passage_id: Mapped[int] = mapped_column(
        ForeignKey("passages.id", ondelete="CASCADE"), primary_key=True
    )
    topic_slug: Mapped[str] = mapped_column(
        ForeignKey("topics.slug", ondelete="CASCADE"), primary_key=True, index=True
    )


class SubscriptionRow(Base):
    """What a chat follows: a catalogue topic (by slug) or a free keyword (folded).

    Deliberately no foreign key to content: a re-import must never drop a subscription."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("chat_id", "kind", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))  # "topic" or "keyword"
    value: Mapped[str] = mapped_column(String(120))
    label: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SavedQueryRow(Base):
    """A search text behind a page button: callback data holds only its id (64-byte limit)."""

    __tablename__ = "saved_queries"
    __table_args__ = ({"sqlite_autoincrement": True},)  # a deleted id is never reused

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text, unique=True)
    # When a page button last used it (None: not since retention began); unused for
    # SAVED_QUERY_DAYS, it is deleted (bot.store.repository: retention).
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class ScheduleRow(Base):
    """When and how a chat gets its daily briefing. `next_due_at` (UTC) is derived from the local
    time, zone and chosen weekdays, and is what the scheduler's indexed query looks at. The
    server defaults are today's behaviour for rows made before the columns existed."""

    __tablename__ = "schedules"

    chat_id: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    briefing_time: Mapped[str] = mapped_column(String(5))  # "HH:MM", local
    timezone: Mapped[str] = mapped_column(String(64))  # IANA name or "UTC+05:30"
    paused: Mapped[bool] = mapped_column(default=False)
    thread_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    next_due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    quiet: Mapped[bool] = mapped_column(default=False, server_default=false())  # no sound
    items: Mapped[int] = mapped_column(default=3, server_default=text("3"))  # passages, 1–10
    # Local weekdays that get a briefing: bit 0 Monday … bit 6 Sunday (bot.clock.EVERY_DAY).
    weekdays: Mapped[int] = mapped_column(default=127, server_default=text("127"))


class ReadingStateRow(Base):
    """How far a chat has read: passages received (keys "<document slug>:S.O", across every
    document), a cursor per followed topic or keyword, where the fair rotation across follows
    resumes, and the document it was last briefed from (a later one's passages are news)."""

    __tablename__ = "reading_states"

    chat_id: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    document_slug: Mapped[str] = mapped_column(String(80))
    received: Mapped[list[str]] = mapped_column(JSON, default=list)
    cursors: Mapped[dict[str, list[Any]]] = mapped_column(JSON, default=dict)
    rotation: Mapped[int] = mapped_column(default=0)


class DeliveryRow(Base):
    """The delivery ledger: one row per chat per local date (and kind). Planned once, claimed
    before the send, marked after it: the unique key is what makes a second send impossible."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("chat_id", "local_date", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"), index=True
    )
    local_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(40), default="briefing")
    status: Mapped[str] = mapped_column(String(12), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(default=0)
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    # The sender (one push run of one process) that claimed the row last: it alone may mark it.
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)


class BroadcastRow(Base):
    """An owner's message to every active chat; its deliveries are ledger rows of kind
    `broadcast:<id>`, sent by the same path as the daily briefing."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(12))  # draft, sending, cancelled
