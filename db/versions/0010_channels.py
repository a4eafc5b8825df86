"""channels: platform connections and workspace data keys

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-04 20:05:15.942533
"""

import sqlalchemy as sa
from alembic import op

import privexbot.store.base

revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_data_keys",
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("wrapped", sa.Text(), nullable=False),
        sa.Column("created_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_channel_data_keys_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_channel_data_keys")),
    )
    op.create_table(
        "channels",
        sa.Column("chatbot_id", sa.String(length=32), nullable=True),
        sa.Column("chatflow_id", sa.String(length=32), nullable=True),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("credentials", sa.Text(), nullable=False),
        sa.Column("created_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organization_id", sa.String(length=32), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["chatbot_id"],
            ["chatbots.id"],
            name=op.f("fk_channels_chatbot_id_chatbots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["chatflow_id"],
            ["chatflows.id"],
            name=op.f("fk_channels_chatflow_id_chatflows"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_channels_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_channels_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channels")),
    )
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_channels_chatbot_id"), ["chatbot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_channels_chatflow_id"), ["chatflow_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_channels_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_channels_workspace_id"), ["workspace_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channels_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_channels_organization_id"))
        batch_op.drop_index(batch_op.f("ix_channels_chatflow_id"))
        batch_op.drop_index(batch_op.f("ix_channels_chatbot_id"))

    op.drop_table("channels")
    op.drop_table("channel_data_keys")
