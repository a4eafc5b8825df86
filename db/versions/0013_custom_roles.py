"""custom roles: custom_roles; workspace_memberships.custom_role_id; users.deleted_at
(DeleteAccount); email_tokens.password_hash (AddEmail)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

import privexbot.store.base

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("email_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_hash", sa.String(length=255), nullable=True))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("deleted_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "custom_roles",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organization_id", sa.String(length=32), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("name_key", sa.String(length=400), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("permissions", sa.JSON(), nullable=False),
        sa.Column("created_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", privexbot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_custom_roles_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_roles")),
        sa.UniqueConstraint(
            "organization_id", "name_key", name=op.f("uq_custom_roles_organization_id")
        ),
    )
    with op.batch_alter_table("custom_roles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_custom_roles_organization_id"), ["organization_id"], unique=False
        )
    with op.batch_alter_table("workspace_memberships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("custom_role_id", sa.String(length=32), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_workspace_memberships_custom_role_id"), ["custom_role_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_workspace_memberships_custom_role_id_custom_roles"),
            "custom_roles",
            ["custom_role_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("workspace_memberships", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_workspace_memberships_custom_role_id_custom_roles"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_workspace_memberships_custom_role_id"))
        batch_op.drop_column("custom_role_id")
    with op.batch_alter_table("custom_roles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_custom_roles_organization_id"))
    op.drop_table("custom_roles")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
    with op.batch_alter_table("email_tokens", schema=None) as batch_op:
        batch_op.drop_column("password_hash")
