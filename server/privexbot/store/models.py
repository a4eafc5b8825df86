"""SQL schema (SQLAlchemy 2.x). Runs on PostgreSQL (production) and SQLite (embedded).

Rows are keyed by time-ordered string ids (``privexbot.kernel.ids.new_id``); foreign keys cascade
so deleting an organization deletes everything it owns in one statement.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from privexbot.store.base import (
    Base,
    Deployed,
    NamedInOrganization,
    OwnedByWorkspace,
    PublishedVersion,
    created,
    made_by,
    parent,
    primary_id,
    version_counter,
)


class User(Base):
    __tablename__ = "users"
    id: Mapped[str] = primary_id()
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = created()
    # When the user followed a verification link sent to ``email``; null until then.
    email_verified_at: Mapped[datetime | None]
    # A deleted account stays as this anonymized row, so its revoked sessions stay revoked.
    deleted_at: Mapped[datetime | None]


class Identity(Base):
    """A way to sign in: kind "email" (subject = lowercased email) or "wallet"."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("kind", "chain", "subject", name="uq_identities_subject"),)
    id: Mapped[str] = primary_id()
    user_id: Mapped[str] = parent("users", index=True)
    kind: Mapped[str] = mapped_column(String(16))
    chain: Mapped[str] = mapped_column(String(16), default="")
    subject: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = created()
    last_used_at: Mapped[datetime | None]


class Organization(Base):
    __tablename__ = "organizations"
    id: Mapped[str] = primary_id()
    display_name: Mapped[str] = mapped_column(String(100))
    billing_email: Mapped[str] = mapped_column(String(254), default="")
    plan: Mapped[str] = mapped_column(String(16), default="free")
    trial_ends_at: Mapped[datetime | None]
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = created()
    updated_at: Mapped[datetime] = created()
    version: Mapped[int] = version_counter()


class Workspace(NamedInOrganization, Base):
    __tablename__ = "workspaces"
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class OrganizationMembership(Base):
    __tablename__ = "organization_memberships"
    organization_id: Mapped[str] = parent("organizations", primary_key=True)
    user_id: Mapped[str] = parent("users", primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16))  # owner | admin | member
    created_at: Mapped[datetime] = created()


class CustomRole(NamedInOrganization, Base):
    """An organization's workspace role: a set of workspace permissions."""

    __tablename__ = "custom_roles"
    permissions: Mapped[list] = mapped_column(JSON, default=list)


class WorkspaceMembership(Base):
    __tablename__ = "workspace_memberships"
    workspace_id: Mapped[str] = parent("workspaces", primary_key=True)
    user_id: Mapped[str] = parent("users", primary_key=True, index=True)
    organization_id: Mapped[str] = parent("organizations", index=True)
    role: Mapped[str] = mapped_column(String(16))  # admin | editor | viewer | custom
    # The custom role held when role is "custom". No ON DELETE: a role in use is never
    # deleted alone (its organization's delete removes the memberships in the same statement).
    custom_role_id: Mapped[str | None] = mapped_column(ForeignKey("custom_roles.id"), index=True)
    created_at: Mapped[datetime] = created()


class Invitation(Base):
    __tablename__ = "invitations"
    id: Mapped[str] = primary_id()
    organization_id: Mapped[str] = parent("organizations", index=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    wallet_address: Mapped[str] = mapped_column(String(128), default="")
    role: Mapped[str] = mapped_column(String(16))
    # [{"workspace_id": ..., "role": ...}]
    workspace_grants: Mapped[list] = mapped_column(JSON, default=list)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    inviter_id: Mapped[str | None] = made_by()
    created_at: Mapped[datetime] = created()
    expires_at: Mapped[datetime]


class ApiKey(OwnedByWorkspace, Base):
    __tablename__ = "api_keys"
    display_name: Mapped[str] = mapped_column(String(100))
    # The visible part of the key; the secret part is kept only as a SHA-256 hash.
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    permissions: Mapped[list] = mapped_column(JSON, default=list)
    creator_id: Mapped[str | None] = made_by()
    created_at: Mapped[datetime] = created()
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    last_used_ip: Mapped[str] = mapped_column(String(45), default="")
    # Its own requests-a-minute limit (0: none) and the CIDRs it may be used from ([]: any).
    requests_per_minute: Mapped[int] = mapped_column(Integer, default=0)
    allowed_cidrs: Mapped[list] = mapped_column(JSON, default=list)


class Session(Base):
    """A sign-in: the family of refresh tokens rotated from one login."""

    __tablename__ = "sessions"
    id: Mapped[str] = primary_id()
    user_id: Mapped[str] = parent("users", index=True)
    organization_id: Mapped[str | None] = mapped_column(String(32))
    workspace_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = created()
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoke_reason: Mapped[str] = mapped_column(String(32), default="")
    # Where and when it was last used: the sign-in, then each refresh (ListSessions).
    client_ip: Mapped[str] = mapped_column(String(45), default="")
    last_used_at: Mapped[datetime | None]


class EmailToken(Base):
    """A single-use token mailed to ``email`` (purpose "verify", "add" or "reset"), stored hashed;
    ``used_at`` set when it is redeemed."""

    __tablename__ = "email_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = parent("users", index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    email: Mapped[str] = mapped_column(String(254))
    # Purpose "add": the password that comes with the email added to a wallet-only account.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = created()
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class RefreshToken(Base):
    """One refresh token of a session, stored hashed; ``used_at`` set once it is rotated."""

    __tablename__ = "refresh_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[str] = parent("sessions", index=True)
    created_at: Mapped[datetime] = created()
    used_at: Mapped[datetime | None]


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_org_id", "organization_id", "id"),
        Index("ix_audit_events_actor_id", "actor", "id"),  # ListMyAuditEvents
    )
    id: Mapped[str] = primary_id()
    # Empty for events outside any organization (e.g. a failed login).
    organization_id: Mapped[str] = mapped_column(String(32), default="")
    actor: Mapped[str] = mapped_column(String(256), default="")
    action: Mapped[str] = mapped_column(String(64))
    resource: Mapped[str] = mapped_column(String(512), default="")
    created_at: Mapped[datetime] = created()
    client_ip: Mapped[str] = mapped_column(String(64), default="")
    request_id: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class IdempotencyKey(Base):
    """AIP-155: the resource a create with this request_id produced, per caller and method."""

    __tablename__ = "idempotency_keys"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    # idempotency.fingerprint of the request: a reused id with another request is refused.
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    resource: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[datetime] = created()


class TokenUsage(Base):
    """Tokens one completion used, per organization and workspace (quotas, analytics)."""

    __tablename__ = "token_usage"
    __table_args__ = (Index("ix_token_usage_org_time", "organization_id", "created_at"),)
    id: Mapped[str] = primary_id()
    organization_id: Mapped[str] = parent("organizations")
    workspace_id: Mapped[str] = parent("workspaces", index=True)
    model: Mapped[str] = mapped_column(String(128))
    prompt_tokens: Mapped[int] = mapped_column(Integer)
    completion_tokens: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = created()
    # The resource the tokens were spent for (a chatbot's name); "" for direct completions.
    source: Mapped[str] = mapped_column(String(256), default="")


class KnowledgeBase(OwnedByWorkspace, Base):
    __tablename__ = "knowledge_bases"
    display_name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    # {"strategy", "chunk_size", "chunk_overlap"} and {"top_k", "score_threshold", "mode"}
    chunking: Mapped[dict] = mapped_column(JSON, default=dict)
    retrieval: Mapped[dict] = mapped_column(JSON, default=dict)
    embedding_model: Mapped[str] = mapped_column(String(128))
    embedding_dimensions: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = created()
    updated_at: Mapped[datetime] = created()
    version: Mapped[int] = version_counter()


class WebsiteSource(OwnedByWorkspace, Base):
    """A website crawled into a knowledge base, and its sync job: like a document's
    ingestion, the job's state lives on the row (``lease_until`` stops two workers racing;
    ``next_sync_at`` is when the schedule queues it again)."""

    __tablename__ = "website_sources"
    __table_args__ = (Index("ix_website_sources_state", "state", "lease_until"),)
    knowledge_base_id: Mapped[str] = parent("knowledge_bases", index=True)
    start_url: Mapped[str] = mapped_column(String(2048))
    sitemap: Mapped[bool] = mapped_column(Boolean, default=False)
    include_patterns: Mapped[list] = mapped_column(JSON, default=list)
    exclude_patterns: Mapped[list] = mapped_column(JSON, default=list)
    max_pages: Mapped[int] = mapped_column(Integer)
    max_depth: Mapped[int] = mapped_column(Integer)
    sync_interval_hours: Mapped[int] = mapped_column(Integer, default=0)
    labels: Mapped[dict] = mapped_column(JSON, default=dict)
    # pending | syncing | ready | failed
    state: Mapped[str] = mapped_column(String(16), default="pending")
    # {"pages_found", "pages_fetched", ...} of the latest sync, and its page failures
    # [{"url", "reason"}] (at most 100).
    progress: Mapped[dict] = mapped_column(JSON, default=dict)
    page_failures: Mapped[list] = mapped_column(JSON, default=list)
    failure_reason: Mapped[str] = mapped_column(Text, default="")
    lease_until: Mapped[datetime | None]
    last_sync_at: Mapped[datetime | None]
    next_sync_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = created()
    updated_at: Mapped[datetime] = created()
    version: Mapped[int] = version_counter()


class Document(Base):
    """A document and its ingestion job: the state machine lives on the row, so a restart
    resumes whatever was queued or running (``lease_until`` stops two workers racing).
    A website source's page carries its URL and source (one document per URL)."""

    __tablename__ = "documents"
    __table_args__ = (
        Index("ix_documents_state", "state", "lease_until"),
        UniqueConstraint("website_source_id", "source_url"),
    )
    id: Mapped[str] = primary_id()
    knowledge_base_id: Mapped[str] = parent("knowledge_bases", index=True)
    organization_id: Mapped[str] = mapped_column(String(32))
    workspace_id: Mapped[str] = mapped_column(String(32))
    display_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(128))
    labels: Mapped[dict] = mapped_column(JSON, default=dict)
    size_bytes: Mapped[int] = mapped_column(Integer)
    content_sha256: Mapped[str] = mapped_column(String(64))
    # pending | processing | ready | failed | cancelled
    state: Mapped[str] = mapped_column(String(16), default="pending")
    stage: Mapped[str] = mapped_column(String(16), default="queued")
    chunks_total: Mapped[int] = mapped_column(Integer, default=0)
    chunks_embedded: Mapped[int] = mapped_column(Integer, default=0)
    chunks_indexed: Mapped[int] = mapped_column(Integer, default=0)
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    failure_reason: Mapped[str] = mapped_column(Text, default="")
    lease_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = created()
    updated_at: Mapped[datetime] = created()
    ready_at: Mapped[datetime | None]
    version: Mapped[int] = version_counter()
    website_source_id: Mapped[str | None] = parent("website_sources", nullable=True)
    source_url: Mapped[str | None] = mapped_column(String(2048))


class Upload(Base):
    """A resumable upload (knowledge/uploads.py): the declared file and how much of it
    arrived; ``document_id`` once finished. Expired rows go with their parts."""

    __tablename__ = "uploads"
    id: Mapped[str] = primary_id()
    knowledge_base_id: Mapped[str] = parent("knowledge_bases", index=True)
    organization_id: Mapped[str] = mapped_column(String(32))
    workspace_id: Mapped[str] = mapped_column(String(32))
    display_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(128))
    labels: Mapped[dict] = mapped_column(JSON, default=dict)
    size_bytes: Mapped[int] = mapped_column(Integer)
    received_bytes: Mapped[int] = mapped_column(Integer, default=0)
    document_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = created()
    expires_at: Mapped[datetime] = mapped_column(index=True)


class UploadPart(Base):
    """One appended chunk of an upload, at its offset in the file."""

    __tablename__ = "upload_parts"
    upload_id: Mapped[str] = parent("uploads", primary_key=True)
    offset: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class DocumentContent(Base):
    """The uploaded bytes, kept apart from the row so listing documents never loads them."""

    __tablename__ = "document_contents"
    document_id: Mapped[str] = parent("documents", primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Chunk(Base):
    """One chunk's text and source position (for citations); its vector lives in Milvus
    under the id ``{document_id}:{index}``."""

    __tablename__ = "chunks"
    document_id: Mapped[str] = parent("documents", primary_key=True)
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    knowledge_base_id: Mapped[str] = mapped_column(String(32), index=True)
    text: Mapped[str] = mapped_column(Text)
    start_offset: Mapped[int] = mapped_column(Integer)
    end_offset: Mapped[int] = mapped_column(Integer)
    page: Mapped[int | None] = mapped_column(Integer)
    heading_path: Mapped[list] = mapped_column(JSON, default=list)


class VectorOutbox(Base):
    """Vector deletions owed to Milvus, written in the same transaction as the SQL delete
    and applied after it; a crash in between leaves the row here to be applied on restart."""

    __tablename__ = "vector_outbox"
    id: Mapped[str] = primary_id()
    organization_id: Mapped[str] = mapped_column(String(32))
    workspace_id: Mapped[str | None] = mapped_column(String(32))
    knowledge_base_id: Mapped[str | None] = mapped_column(String(32))
    document_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = created()


class Chatbot(Deployed, Base):
    """A deployed chatbot: its working configuration (edited by UpdateChatbot) and which
    immutable version chat uses."""

    __tablename__ = "chatbots"
    config: Mapped[dict] = mapped_column(JSON, default=dict)


class ChatbotVersion(PublishedVersion, Base):
    """A published configuration; never changed once written."""

    __tablename__ = "chatbot_versions"
    chatbot_id: Mapped[str] = parent("chatbots", primary_key=True)
    config: Mapped[dict] = mapped_column(JSON)


# Conversations', chatflows' and channels' tables live in their own modules; imported here
# so that Base.metadata, wherever it is read (migrations, the schema test), holds them too.
from privexbot.store import channel_models, chat_models, flow_models  # noqa: E402, F401
