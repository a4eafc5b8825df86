"""channel turns: inbound channel messages kept until answered (channels/turns.py)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import privexbot.store.base

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_turns",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("visitor", sa.String(length=160), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("to", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", privexbot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lease_until", privexbot.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("shown", sa.String(length=64), nullable=False),
        sa.Column("pieces_sent", sa.Integer(), nullable=False),
        sa.Column("failure", sa.String(length=64), nullable=False),
        sa.Column("created_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_channel_turns_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_turns")),
        sa.UniqueConstraint("channel_id", "event_id", name=op.f("uq_channel_turns_channel_id")),
    )
    op.create_index(
        "ix_channel_turns_state_created", "channel_turns", ["state", "created_at"], unique=False
    )
    op.create_index(
        "ix_channel_turns_conversation",
        "channel_turns",
        ["channel_id", "visitor", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_channel_turns_conversation", table_name="channel_turns")
    op.drop_index("ix_channel_turns_state_created", table_name="channel_turns")
    op.drop_table("channel_turns")
