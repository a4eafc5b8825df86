"""SQL schema of channels: a chatbot's or chatflow's connection to a messaging platform,
with its credentials sealed under the workspace's data key (channels/envelope.py), and the
workspace's wrapped data key. Registered on ``Base.metadata`` by ``models.py``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from privexbot.store.base import Base, OwnedByWorkspace, created, parent, version_counter


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
