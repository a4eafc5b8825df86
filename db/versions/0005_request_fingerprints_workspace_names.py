"""request fingerprints on idempotency keys; workspace display names unique per organization

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04

Existing idempotency keys get an empty fingerprint, which matches no request: a retry that
straddles the upgrade is refused (REQUEST_ID_REUSED) rather than answered unchecked.
Workspaces whose display names collide (ignoring case) get " (2)", " (3)"… appended, oldest
first, before the unique constraint is added.
"""

import sqlalchemy as sa
from alembic import op

from privexbot.store.base import name_key

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _backfill_name_keys() -> None:
    workspaces = sa.table(
        "workspaces",
        sa.column("id", sa.String),
        sa.column("organization_id", sa.String),
        sa.column("display_name", sa.String),
        sa.column("name_key", sa.String),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            workspaces.c.id, workspaces.c.organization_id, workspaces.c.display_name
        ).order_by(workspaces.c.organization_id, workspaces.c.id)
    ).all()
    taken: set[tuple[str, str]] = set()
    for ws_id, org_id, display_name in rows:
        name, n = display_name, 1
        while (org_id, name_key(name)) in taken:
            n += 1
            suffix = f" ({n})"
            name = display_name[: 100 - len(suffix)] + suffix
        taken.add((org_id, name_key(name)))
        connection.execute(
            workspaces.update()
            .where(workspaces.c.id == ws_id)
            .values(display_name=name, name_key=name_key(name))
        )


def upgrade() -> None:
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("fingerprint", sa.String(length=64), nullable=False, server_default="")
        )
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.String(length=400), nullable=True))
    _backfill_name_keys()
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.alter_column("name_key", existing_type=sa.String(length=400), nullable=False)
        batch_op.create_unique_constraint(
            op.f("uq_workspaces_organization_id"), ["organization_id", "name_key"]
        )
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.alter_column("fingerprint", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_workspaces_organization_id"), type_="unique")
        batch_op.drop_column("name_key")
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_column("fingerprint")
