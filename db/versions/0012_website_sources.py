"""website sources: the website_sources table (crawled sites and their sync jobs);
documents.website_source_id and source_url (a page's document and its URL)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

import privexbot.store.base

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "website_sources",
        sa.Column("knowledge_base_id", sa.String(length=32), nullable=False),
        sa.Column("start_url", sa.String(length=2048), nullable=False),
        sa.Column("sitemap", sa.Boolean(), nullable=False),
        sa.Column("include_patterns", sa.JSON(), nullable=False),
        sa.Column("exclude_patterns", sa.JSON(), nullable=False),
        sa.Column("max_pages", sa.Integer(), nullable=False),
        sa.Column("max_depth", sa.Integer(), nullable=False),
        sa.Column("sync_interval_hours", sa.Integer(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("page_failures", sa.JSON(), nullable=False),
        sa.Column("failure_reason", sa.Text(), nullable=False),
        sa.Column("lease_until", privexbot.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_sync_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_sync_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organization_id", sa.String(length=32), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["knowledge_base_id"],
            ["knowledge_bases.id"],
            name=op.f("fk_website_sources_knowledge_base_id_knowledge_bases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_website_sources_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_website_sources_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_website_sources")),
    )
    with op.batch_alter_table("website_sources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_website_sources_knowledge_base_id"), ["knowledge_base_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_website_sources_next_sync_at"), ["next_sync_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_website_sources_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index("ix_website_sources_state", ["state", "lease_until"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_website_sources_workspace_id"), ["workspace_id"], unique=False
        )

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("website_source_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("source_url", sa.String(length=2048), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_documents_website_source_id"), ["website_source_id", "source_url"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_documents_website_source_id_website_sources"),
            "website_sources",
            ["website_source_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_documents_website_source_id_website_sources"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_documents_website_source_id"), type_="unique")
        batch_op.drop_column("source_url")
        batch_op.drop_column("website_source_id")

    with op.batch_alter_table("website_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_website_sources_workspace_id"))
        batch_op.drop_index("ix_website_sources_state")
        batch_op.drop_index(batch_op.f("ix_website_sources_organization_id"))
        batch_op.drop_index(batch_op.f("ix_website_sources_next_sync_at"))
        batch_op.drop_index(batch_op.f("ix_website_sources_knowledge_base_id"))

    op.drop_table("website_sources")
