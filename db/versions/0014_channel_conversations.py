"""channel conversations: chat_sessions.channel_id and chatflow_sessions.channel_id (the
channel a session came through)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("chat_sessions", "chatflow_sessions"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("channel_id", sa.String(length=32), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_channel_id_channels"),
                "channels",
                ["channel_id"],
                ["id"],
                ondelete="SET NULL",
            )
            batch_op.create_index(
                f"ix_{table}_channel_visitor", ["channel_id", "visitor_id"], unique=False
            )


def downgrade() -> None:
    for table in ("chat_sessions", "chatflow_sessions"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_channel_visitor")
            batch_op.drop_constraint(
                batch_op.f(f"fk_{table}_channel_id_channels"), type_="foreignkey"
            )
            batch_op.drop_column("channel_id")
