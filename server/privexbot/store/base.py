"""The declarative base and column helpers every table uses."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, validates

from privexbot.kernel.ids import new_id


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map = {datetime: UTCDateTime}


def primary_id() -> Mapped[str]:
    return mapped_column(String(32), primary_key=True, default=new_id)


def created() -> Mapped[datetime]:
    return mapped_column(default=utcnow)


def version_counter() -> Mapped[int]:
    """Bumped on every change; the etag is derived from it (AIP-154)."""
    return mapped_column(Integer, default=1)


def parent(table: str, **column) -> Mapped[str]:
    """The id of the row this one belongs to, deleted with it."""
    return mapped_column(ForeignKey(f"{table}.id", ondelete="CASCADE"), **column)


def made_by() -> Mapped[str | None]:
    """The user who made this row; kept as null when that user is deleted."""
    return mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


def name_key(display_name: str) -> str:
    """What two display names that read the same share: NFC, trimmed, case-folded."""
    return unicodedata.normalize("NFC", display_name.strip()).casefold()


class NamedInOrganization:
    """Columns of a row of an organization whose display name is unique there, whatever
    its case (a workspace, a custom role): ``name_key`` follows ``display_name``."""

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (UniqueConstraint("organization_id", "name_key"),)  # one per table

    id: Mapped[str] = primary_id()
    organization_id: Mapped[str] = parent("organizations", index=True)
    display_name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(400))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = created()
    updated_at: Mapped[datetime] = created()
    version: Mapped[int] = version_counter()

    @validates("display_name")
    def _keep_name_key(self, _field: str, value: str) -> str:
        self.name_key = name_key(value)
        return value


class OwnedByWorkspace:
    """Columns of a row that lives in a workspace and is deleted with it."""

    id: Mapped[str] = primary_id()
    organization_id: Mapped[str] = parent("organizations", index=True)
    workspace_id: Mapped[str] = parent("workspaces", index=True)


class Deployed(OwnedByWorkspace):
    """Columns of a chatbot or chatflow: finalized once from a draft (finalizing it again
    finds this row), the number of the immutable version in use, a publishable key whose
    secret is kept only as a hash."""

    draft_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    published_version: Mapped[int] = mapped_column(Integer, default=0)
    published_at: Mapped[datetime | None]
    publishable_key_prefix: Mapped[str | None] = mapped_column(String(32), unique=True)
    publishable_key_hash: Mapped[str] = mapped_column(String(64), default="")
    creator_id: Mapped[str | None] = made_by()
    created_at: Mapped[datetime] = created()
    updated_at: Mapped[datetime] = created()
    version: Mapped[int] = version_counter()


class PublishedVersion:
    """Columns of a published, immutable version of a chatbot or chatflow (its number under
    its owner, who published it, when); the owner's id and content are the table's own."""

    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    publisher_id: Mapped[str | None] = made_by()
    created_at: Mapped[datetime] = created()


class Conversation:
    """Columns of a conversation with a chatbot or chatflow (its owner's id is the table's
    own): who speaks (the widget's visitor id, users/{id} for a signed-in member, or for a
    channel the platform's conversation, "telegram:{chat}:{user}") and through which
    channel (null once the channel is deleted)."""

    id: Mapped[str] = primary_id()
    organization_id: Mapped[str] = mapped_column(String(32))
    workspace_id: Mapped[str] = mapped_column(String(32))
    visitor_id: Mapped[str] = mapped_column(String(160))
    channel_id: Mapped[str | None] = mapped_column(
        ForeignKey("channels.id", ondelete="SET NULL"), nullable=True
    )
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = created()
    updated_at: Mapped[datetime] = created()


class Said:
    """Columns of one message of a conversation, a chatbot's or a chatflow's. Assistant
    messages keep what grounded them (citations, retrieval details) and how they were
    produced (usage, attestation)."""

    id: Mapped[str] = primary_id()
    organization_id: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16))  # user | assistant
    content: Mapped[str] = mapped_column(Text)
    # Assistant: [{"document", "document_display_name", "chunk_index", "page",
    # "heading_path", "start_offset", "end_offset", "score"}]
    citations: Mapped[list] = mapped_column(JSON, default=list)
    # User: what retrieval found for the question ({"results", "relevant", "best_score"}),
    # and whether it found a relevant chunk (analytics: hit rate, unanswered questions);
    # None without a knowledge base.
    retrieval: Mapped[dict | None] = mapped_column(JSON)
    knowledge_hit: Mapped[bool | None] = mapped_column(Boolean)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    finish_reason: Mapped[str] = mapped_column(String(16), default="")
    incomplete: Mapped[bool] = mapped_column(Boolean, default=False)
    attestation: Mapped[dict | None] = mapped_column(JSON)
    feedback_rating: Mapped[str] = mapped_column(String(8), default="")  # up | down
    feedback_comment: Mapped[str] = mapped_column(Text, default="")
    feedback_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created()
