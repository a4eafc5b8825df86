"""SQL schema of chatflows: the chatflow and its immutable published versions, its runs and
what each node did in them, its conversations (sessions and messages, shaped like a
chatbot's so quotas and analytics read them alike), and the workspace's secrets that HTTP
nodes name by reference.

Registered on ``Base.metadata`` (``models.py`` imports this module at its end), so migrations
and the schema-drift test see these tables with the rest.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from privexbot.store.base import (
    Base,
    Conversation,
    Deployed,
    PublishedVersion,
    Said,
    created,
    parent,
    primary_id,
)


class Chatflow(Deployed, Base):
    """A chatflow: its working graph (UpdateChatflow edits it) and which immutable version
    runs use."""

    __tablename__ = "chatflows"
    display_name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    graph: Mapped[dict] = mapped_column(JSON, default=dict)
    allowed_origins: Mapped[list] = mapped_column(JSON, default=list)


class ChatflowVersion(PublishedVersion, Base):
    """A published graph; never changed once written."""

    __tablename__ = "chatflow_versions"
    chatflow_id: Mapped[str] = parent("chatflows", primary_key=True)
    graph: Mapped[dict] = mapped_column(JSON)


class ChatflowRun(Base):
    """One execution of a published version: inputs and outputs redacted and truncated."""

    __tablename__ = "chatflow_runs"
    __table_args__ = (Index("ix_chatflow_runs_flow", "chatflow_id", "id"),)
    id: Mapped[str] = primary_id()
    chatflow_id: Mapped[str] = parent("chatflows")
    organization_id: Mapped[str] = mapped_column(String(32))
    workspace_id: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=0)
    session_id: Mapped[str] = mapped_column(String(32), default="")
    # running | succeeded | failed | cancelled
    state: Mapped[str] = mapped_column(String(16), default="running")
    message: Mapped[str] = mapped_column(Text, default="")
    inputs: Mapped[dict] = mapped_column(JSON, default=dict)
    output: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    attestation: Mapped[dict | None] = mapped_column(JSON)
    started_at: Mapped[datetime] = created()
    ended_at: Mapped[datetime | None]


class ChatflowNodeRun(Base):
    """What one node did in a run, in the order nodes finished."""

    __tablename__ = "chatflow_node_runs"
    run_id: Mapped[str] = parent("chatflow_runs", primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    node_id: Mapped[str] = mapped_column(String(64))
    node_type: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(256), default="")
    state: Mapped[str] = mapped_column(String(16))
    output: Mapped[dict | list | str | None] = mapped_column(JSON)
    error: Mapped[str] = mapped_column(Text, default="")
    handle: Mapped[str] = mapped_column(String(64), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime] = created()
    duration_ms: Mapped[float] = mapped_column(Float, default=0.0)


class ChatflowSession(Conversation, Base):
    """A conversation with a chatflow; ``variables`` are its conversation variables."""

    __tablename__ = "chatflow_sessions"
    __table_args__ = (
        Index("ix_chatflow_sessions_flow_updated", "chatflow_id", "updated_at", "id"),
        Index("ix_chatflow_sessions_channel_visitor", "channel_id", "visitor_id"),
    )
    chatflow_id: Mapped[str] = parent("chatflows")
    variables: Mapped[dict] = mapped_column(JSON, default=dict)


class ChatflowMessage(Said, Base):
    """One message of a chatflow session (``Said``), with the version and run that answered."""

    __tablename__ = "chatflow_messages"
    __table_args__ = (
        Index("ix_chatflow_messages_session", "session_id", "id"),
        Index("ix_chatflow_messages_flow_time", "chatflow_id", "created_at"),
        Index("ix_chatflow_messages_org_time", "organization_id", "role", "created_at"),
    )
    session_id: Mapped[str] = parent("chatflow_sessions")
    chatflow_id: Mapped[str] = mapped_column(String(32))
    chatflow_version: Mapped[int] = mapped_column(Integer, default=0)
    run_id: Mapped[str] = mapped_column(String(32), default="")


class ChatflowSecret(Base):
    """A workspace's credential for HTTP nodes, named by ``secret_id``; the value is kept
    encrypted (flows/secrets.py) and never returned."""

    __tablename__ = "chatflow_secrets"
    __table_args__ = (UniqueConstraint("workspace_id", "secret_id"),)
    id: Mapped[str] = primary_id()
    organization_id: Mapped[str] = mapped_column(String(32))
    workspace_id: Mapped[str] = parent("workspaces", index=True)
    secret_id: Mapped[str] = mapped_column(String(63))
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created()
