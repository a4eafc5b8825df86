"""Creating organizations (used by sign-up and by TenantService.CreateOrganization)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from privexbot.store.models import (
    Organization,
    OrganizationMembership,
    Workspace,
    WorkspaceMembership,
)

TRIAL_DAYS = 14


async def create_organization(
    session: AsyncSession, owner_id: str, display_name: str, billing_email: str = ""
) -> tuple[Organization, Workspace]:
    """An organization owned by ``owner_id`` with its default workspace (owner is its admin)."""
    org = Organization(
        display_name=display_name,
        billing_email=billing_email,
        plan="free",
        trial_ends_at=datetime.now(UTC) + timedelta(days=TRIAL_DAYS),
        settings={},
    )
    session.add(org)
    await session.flush()
    workspace = Workspace(organization_id=org.id, display_name="Default", is_default=True)
    session.add(workspace)
    await session.flush()
    session.add(OrganizationMembership(organization_id=org.id, user_id=owner_id, role="owner"))
    session.add(
        WorkspaceMembership(
            workspace_id=workspace.id, user_id=owner_id, organization_id=org.id, role="admin"
        )
    )
    return org, workspace
