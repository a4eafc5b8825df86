"""SQL schema of chatbots' conversations: sessions, their messages, and the leads
visitors left in them. Registered on ``Base.metadata`` by ``models.py``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from privexbot.store.base import Base, Conversation, Said, created, parent


class ChatSession(Conversation, Base):
    __tablename__ = "chat_sessions"
    __table_args__ = (
        Index("ix_chat_sessions_bot_updated", "chatbot_id", "updated_at", "id"),
        Index("ix_chat_sessions_channel_visitor", "channel_id", "visitor_id"),
    )
    chatbot_id: Mapped[str] = parent("chatbots")
    # The contact details a visitor left here, if any (read with the session).
    lead_record: Mapped[Lead | None] = relationship(
        primaryjoin="ChatSession.id == foreign(Lead.id)", lazy="selectin", viewonly=True
    )

    @property
    def lead(self) -> dict | None:
        return self.lead_record.contact if self.lead_record is not None else None


class ChatMessage(Said, Base):
    """One message of a chatbot's session (``Said``), with the version that answered."""

    __tablename__ = "chat_messages"
    __table_args__ = (
        Index("ix_chat_messages_session", "session_id", "id"),
        Index("ix_chat_messages_bot_time", "chatbot_id", "created_at"),
        Index("ix_chat_messages_org_time", "organization_id", "role", "created_at"),
    )
    session_id: Mapped[str] = parent("chat_sessions")
    chatbot_id: Mapped[str] = mapped_column(String(32))
    chatbot_version: Mapped[int] = mapped_column(Integer, default=0)


class Lead(Base):
    """Contact details a visitor left in a chat session (``id``: the session's). A row of
    its own: a chatbot deleted with ``keep_leads`` leaves its leads, so ``chatbot_id``
    holds no foreign key; the organization and workspace still delete them."""

    __tablename__ = "leads"
    __table_args__ = (
        Index("ix_leads_workspace", "workspace_id", "id"),
        Index("ix_leads_workspace_bot", "workspace_id", "chatbot_id", "id"),
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organization_id: Mapped[str] = parent("organizations")
    workspace_id: Mapped[str] = parent("workspaces")
    chatbot_id: Mapped[str] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(100), default="")
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    fields: Mapped[dict] = mapped_column(JSON, default=dict)  # LeadCapture field key -> value
    created_at: Mapped[datetime] = created()  # the session's start
    updated_at: Mapped[datetime] = created()

    @property
    def contact(self) -> dict:
        return {
            "email": self.email or "",
            "display_name": self.display_name,
            "consent": self.consent,
            "fields": dict(self.fields or {}),
        }
