"""email verification and password reset: users.email_verified_at, email_tokens;
sessions.client_ip and last_used_at (ListSessions); chat_sessions.lead_email (ListLeads);
token_usage.source (GetTokenUsage); api_keys.last_used_ip, requests_per_minute,
allowed_cidrs; ix_audit_events_actor_id (ListMyAuditEvents)

Revision ID: 0011
Revises: 0007
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

import privexbot.store.base

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "email_verified_at",
                privexbot.store.base.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("client_ip", sa.String(length=45), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column(
                "last_used_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=True
            )
        )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.alter_column("client_ip", server_default=None)
    with op.batch_alter_table("chat_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lead_email", sa.String(length=254), nullable=True))
        batch_op.create_index(
            "ix_chat_sessions_leads", ["workspace_id", "lead_email", "id"], unique=False
        )
    chat_sessions = sa.table(
        "chat_sessions", sa.column("id", sa.String), sa.column("lead", sa.JSON)
    )
    bind = op.get_bind()
    for id_, lead in bind.execute(sa.select(chat_sessions.c.id, chat_sessions.c.lead)).all():
        if lead and lead.get("email"):
            bind.execute(
                sa.text("UPDATE chat_sessions SET lead_email = :email WHERE id = :id"),
                {"email": lead["email"], "id": id_},
            )
    with op.batch_alter_table("token_usage", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=256), nullable=False, server_default="")
        )
    with op.batch_alter_table("token_usage", schema=None) as batch_op:
        batch_op.alter_column("source", server_default=None)
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_used_ip", sa.String(length=45), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("requests_per_minute", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("allowed_cidrs", sa.JSON(), nullable=False, server_default="[]")
        )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        for column in ("last_used_ip", "requests_per_minute", "allowed_cidrs"):
            batch_op.alter_column(column, server_default=None)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_actor_id", ["actor", "id"], unique=False)
    op.create_table(
        "email_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_email_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_email_tokens")),
    )
    with op.batch_alter_table("email_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_email_tokens_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("email_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_tokens_user_id"))
    op.drop_table("email_tokens")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_actor_id")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        for column in ("allowed_cidrs", "requests_per_minute", "last_used_ip"):
            batch_op.drop_column(column)
    with op.batch_alter_table("token_usage", schema=None) as batch_op:
        batch_op.drop_column("source")
    with op.batch_alter_table("chat_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_sessions_leads")
        batch_op.drop_column("lead_email")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_column("last_used_at")
        batch_op.drop_column("client_ip")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email_verified_at")
