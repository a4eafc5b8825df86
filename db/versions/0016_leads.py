"""leads: a table of their own (they may outlive their chatbot), with custom fields;
chat_sessions.lead and lead_email moved there

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import privexbot.store.base

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_sessions = sa.table(
    "chat_sessions",
    sa.column("id", sa.String),
    sa.column("organization_id", sa.String),
    sa.column("workspace_id", sa.String),
    sa.column("chatbot_id", sa.String),
    sa.column("lead", sa.JSON),
    sa.column("lead_email", sa.String),
    sa.column("created_at", privexbot.store.base.UTCDateTime(timezone=True)),
    sa.column("updated_at", privexbot.store.base.UTCDateTime(timezone=True)),
)


def _leads_table():
    return op.create_table(
        "leads",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organization_id", sa.String(length=32), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("chatbot_id", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("created_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_leads_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_leads_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
    )


def upgrade() -> None:
    leads = _leads_table()
    op.create_index("ix_leads_workspace", "leads", ["workspace_id", "id"], unique=False)
    op.create_index(
        "ix_leads_workspace_bot", "leads", ["workspace_id", "chatbot_id", "id"], unique=False
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(_sessions).where(_sessions.c.lead_email.is_not(None))).all()
    if rows:
        op.bulk_insert(
            leads,
            [
                {
                    "id": row.id,
                    "organization_id": row.organization_id,
                    "workspace_id": row.workspace_id,
                    "chatbot_id": row.chatbot_id,
                    "email": row.lead_email,
                    "display_name": (row.lead or {}).get("display_name", ""),
                    "consent": bool((row.lead or {}).get("consent")),
                    "fields": {},
                    "created_at": row.created_at,
                    "updated_at": row.updated_at,
                }
                for row in rows
            ],
        )
    with op.batch_alter_table("chat_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_sessions_leads")
        batch_op.drop_column("lead_email")
        batch_op.drop_column("lead")


def downgrade() -> None:
    with op.batch_alter_table("chat_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lead", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("lead_email", sa.String(length=254), nullable=True))
        batch_op.create_index(
            "ix_chat_sessions_leads", ["workspace_id", "lead_email", "id"], unique=False
        )
    bind = op.get_bind()
    leads = sa.table(
        "leads",
        sa.column("id", sa.String),
        sa.column("email", sa.String),
        sa.column("display_name", sa.String),
        sa.column("consent", sa.Boolean),
    )
    for row in bind.execute(sa.select(leads).where(leads.c.email.is_not(None))).all():
        contact = {"email": row.email, "display_name": row.display_name, "consent": row.consent}
        bind.execute(
            _sessions.update()
            .where(_sessions.c.id == row.id)
            .values(lead=contact, lead_email=row.email)
        )
    op.drop_index("ix_leads_workspace_bot", table_name="leads")
    op.drop_index("ix_leads_workspace", table_name="leads")
    op.drop_table("leads")
