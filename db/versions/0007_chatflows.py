"""chatflows: versions, runs and node runs, sessions and messages, secrets

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

import privexbot.store.base

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chatflow_secrets",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organization_id", sa.String(length=32), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("secret_id", sa.String(length=63), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_chatflow_secrets_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chatflow_secrets")),
        sa.UniqueConstraint(
            "workspace_id", "secret_id", name=op.f("uq_chatflow_secrets_workspace_id")
        ),
    )
    with op.batch_alter_table("chatflow_secrets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chatflow_secrets_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "chatflows",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organization_id", sa.String(length=32), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("draft_id", sa.String(length=32), nullable=True),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("graph", sa.JSON(), nullable=False),
        sa.Column("allowed_origins", sa.JSON(), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=False),
        sa.Column("published_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("publishable_key_prefix", sa.String(length=32), nullable=True),
        sa.Column("publishable_key_hash", sa.String(length=64), nullable=False),
        sa.Column("creator_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["creator_id"],
            ["users.id"],
            name=op.f("fk_chatflows_creator_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_chatflows_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_chatflows_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chatflows")),
        sa.UniqueConstraint("draft_id", name=op.f("uq_chatflows_draft_id")),
        sa.UniqueConstraint(
            "publishable_key_prefix", name=op.f("uq_chatflows_publishable_key_prefix")
        ),
    )
    with op.batch_alter_table("chatflows", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chatflows_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_chatflows_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "chatflow_runs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("chatflow_id", sa.String(length=32), nullable=False),
        sa.Column("organization_id", sa.String(length=32), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("output", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("attestation", sa.JSON(), nullable=True),
        sa.Column("started_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["chatflow_id"],
            ["chatflows.id"],
            name=op.f("fk_chatflow_runs_chatflow_id_chatflows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chatflow_runs")),
    )
    with op.batch_alter_table("chatflow_runs", schema=None) as batch_op:
        batch_op.create_index("ix_chatflow_runs_flow", ["chatflow_id", "id"], unique=False)

    op.create_table(
        "chatflow_sessions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("chatflow_id", sa.String(length=32), nullable=False),
        sa.Column("organization_id", sa.String(length=32), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("visitor_id", sa.String(length=160), nullable=False),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("created_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["chatflow_id"],
            ["chatflows.id"],
            name=op.f("fk_chatflow_sessions_chatflow_id_chatflows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chatflow_sessions")),
    )
    with op.batch_alter_table("chatflow_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_chatflow_sessions_flow_updated", ["chatflow_id", "updated_at", "id"], unique=False
        )

    op.create_table(
        "chatflow_versions",
        sa.Column("chatflow_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("graph", sa.JSON(), nullable=False),
        sa.Column("publisher_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["chatflow_id"],
            ["chatflows.id"],
            name=op.f("fk_chatflow_versions_chatflow_id_chatflows"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["publisher_id"],
            ["users.id"],
            name=op.f("fk_chatflow_versions_publisher_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("chatflow_id", "number", name=op.f("pk_chatflow_versions")),
    )
    op.create_table(
        "chatflow_messages",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("chatflow_id", sa.String(length=32), nullable=False),
        sa.Column("organization_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("citations", sa.JSON(), nullable=False),
        sa.Column("retrieval", sa.JSON(), nullable=True),
        sa.Column("knowledge_hit", sa.Boolean(), nullable=True),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("finish_reason", sa.String(length=16), nullable=False),
        sa.Column("incomplete", sa.Boolean(), nullable=False),
        sa.Column("attestation", sa.JSON(), nullable=True),
        sa.Column("chatflow_version", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("feedback_rating", sa.String(length=8), nullable=False),
        sa.Column("feedback_comment", sa.Text(), nullable=False),
        sa.Column("feedback_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["chatflow_sessions.id"],
            name=op.f("fk_chatflow_messages_session_id_chatflow_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chatflow_messages")),
    )
    with op.batch_alter_table("chatflow_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_chatflow_messages_flow_time", ["chatflow_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_chatflow_messages_org_time", ["organization_id", "role", "created_at"], unique=False
        )
        batch_op.create_index("ix_chatflow_messages_session", ["session_id", "id"], unique=False)

    op.create_table(
        "chatflow_node_runs",
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("node_type", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=256), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("output", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("handle", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("started_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["chatflow_runs.id"],
            name=op.f("fk_chatflow_node_runs_run_id_chatflow_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "seq", name=op.f("pk_chatflow_node_runs")),
    )


def downgrade() -> None:
    op.drop_table("chatflow_node_runs")
    with op.batch_alter_table("chatflow_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_chatflow_messages_session")
        batch_op.drop_index("ix_chatflow_messages_org_time")
        batch_op.drop_index("ix_chatflow_messages_flow_time")

    op.drop_table("chatflow_messages")
    op.drop_table("chatflow_versions")
    with op.batch_alter_table("chatflow_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_chatflow_sessions_flow_updated")

    op.drop_table("chatflow_sessions")
    with op.batch_alter_table("chatflow_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_chatflow_runs_flow")

    op.drop_table("chatflow_runs")
    with op.batch_alter_table("chatflows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chatflows_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_chatflows_organization_id"))

    op.drop_table("chatflows")
    with op.batch_alter_table("chatflow_secrets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chatflow_secrets_workspace_id"))

    op.drop_table("chatflow_secrets")
