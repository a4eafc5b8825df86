"""channel turns keep their composed reply until they end, so a retry sends it again
without asking the chatbot again

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel_turns") as batch:
        batch.add_column(sa.Column("reply", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channel_turns") as batch:
        batch.drop_column("reply")
