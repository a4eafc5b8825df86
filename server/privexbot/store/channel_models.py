"""SQL schema of channels: a chatbot's or chatflow's connection to a messaging platform,
with its credentials sealed under the workspace's data key (channels/envelope.py), and the
workspace's wrapped data key, and the turns its inbound messages wait in. Registered on ``Base.metadata`` by ``models.py``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from privexbot.store.base import (
    Base,
    OwnedByWorkspace,
    created,
    parent,
    primary_id,
    version_counter,
)


class ChannelDataKey(Base):
    """A workspace's data key, wrapped by the key from settings; never stored in clear."""

    __tablename__ = "channel_data_keys"
    workspace_id: Mapped[str] = parent("workspaces", primary_key=True)
    wrapped: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created()


class Channel(OwnedByWorkspace, Base):
    """One platform connection; deleted with the chatbot or chatflow it serves."""

    __tablename__ = "channels"
    chatbot_id: Mapped[str | None] = parent("chatbots", nullable=True, index=True)
    chatflow_id: Mapped[str | None] = parent("chatflows", nullable=True, index=True)
    platform: Mapped[str] = mapped_column(String(16))  # telegram | discord | slack | whatsapp
    display_name: Mapped[str] = mapped_column(String(100), default="")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # JSON of the platform credentials (and the webhook secret the server chose), sealed.
    credentials: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created()
    updated_at: Mapped[datetime] = created()
    version: Mapped[int] = version_counter()


class ChannelTurn(Base):
    """One inbound message and its reply, durable from the webhook's acknowledgement on
    (channels/turns.py): queued, running under a worker's lease, then sent or failed. Its
    question, address and reply are cleared once it ends; the row stays a day to refuse
    replays."""

    __tablename__ = "channel_turns"
    __table_args__ = (
        UniqueConstraint("channel_id", "event_id"),
        Index("ix_channel_turns_state_created", "state", "created_at"),
        Index("ix_channel_turns_conversation", "channel_id", "visitor", "id"),
    )
    id: Mapped[str] = primary_id()
    channel_id: Mapped[str] = parent("channels")
    # The platform's update, event, interaction or message id (the turn's own id if none).
    event_id: Mapped[str] = mapped_column(String(128))
    visitor: Mapped[str] = mapped_column(String(160))
    text: Mapped[str] = mapped_column(Text)
    to: Mapped[dict] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default="queued")  # running|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = created()  # a retry waits until then
    lease_until: Mapped[datetime | None]
    holder: Mapped[str] = mapped_column(String(64), default="")
    # The platform's id of the message being edited, and the reply's pieces already sent:
    # a worker taking the turn over edits that message and sends only the rest.
    shown: Mapped[str] = mapped_column(String(64), default="")
    pieces_sent: Mapped[int] = mapped_column(Integer, default=0)
    # The reply's pieces once composed: a retry sends them without asking again.
    reply: Mapped[list | None] = mapped_column(JSON)
    failure: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = created()
    updated_at: Mapped[datetime] = created()
