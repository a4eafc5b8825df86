"""Organizations: created with a default workspace, read, listed for their members, updated,
deleted with everything they own (their vectors through the outbox, in the same
transaction). Every query is filtered by the scope authorization resolved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from privexbot.kernel import emails, resources, standard
from privexbot.kernel.calls import current
from privexbot.kernel.errors import FailedPrecondition, not_found
from privexbot.kernel.resources import Scope
from privexbot.kernel.views import Named, from_row
from privexbot.store.models import (
    Organization,
    OrganizationMembership,
    VectorOutbox,
    Workspace,
    WorkspaceMembership,
)

TRIAL_DAYS = 14
MAX_ORGANIZATIONS_PER_USER = 20
ORGANIZATIONS = standard.Methods(
    Organization,
    resources.ORGANIZATION,
    "organization",
    {"display_name", "billing_email", "settings"},
)


@dataclass(frozen=True)
class OrganizationView(Named, pattern=resources.ORGANIZATION):
    id: str
    display_name: str
    billing_email: str
    plan: str
    trial_ends_at: datetime | None
    settings: dict[str, str]
    role: str  # the caller's
    created_at: datetime
    updated_at: datetime
    etag: str


def _view(org: Organization, role: str) -> OrganizationView:
    return from_row(
        OrganizationView, org, settings=dict(org.settings), role=role, etag=standard.etag(org)
    )


async def create_organization(
    session, owner_id: str, display_name: str, billing_email: str = ""
) -> Organization:
    """An organization owned by ``owner_id``, on Free with a trial, with its default
    workspace (the owner its admin). Sign-up makes one this way too."""
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
    return org


async def organization_role(session, org_id: str, user_id: str) -> str | None:
    return await session.scalar(
        select(OrganizationMembership.role).where(
            OrganizationMembership.organization_id == org_id,
            OrganizationMembership.user_id == user_id,
        )
    )


async def get_row(session, scope: Scope) -> Organization:
    org = await session.get(Organization, scope.organization_id)
    if org is None:
        raise not_found(resources.ORGANIZATION.name(scope.organization_id))
    return org


class Organizations:
    def __init__(self, sessions, store, stamps, vectors_owed) -> None:
        """``vectors_owed``: called after a delete that owes Milvus vector deletions."""
        self._sessions, self._store, self._stamps = sessions, store, stamps
        self._vectors_owed = vectors_owed

    async def create(
        self, display_name: str, billing_email: str, settings: dict[str, str], request_id: str
    ) -> OrganizationView:
        user_id = current().principal.id
        if billing_email:
            billing_email = emails.normalize(billing_email, "organization.billing_email")
        async with self._stamps.transaction(self._sessions) as (session, changed):
            changed.users.add(user_id)

            async def replay(name: str) -> Organization:  # as the caller may see it now
                role = await organization_role(session, resources.ORGANIZATION.id_of(name), user_id)
                if role is None:
                    raise not_found(name)
                return await get_row(session, resources.scope_of(name))

            async def make() -> Organization:
                owned = await session.scalar(
                    select(func.count()).where(OrganizationMembership.user_id == user_id)
                )
                if owned >= MAX_ORGANIZATIONS_PER_USER:
                    raise FailedPrecondition(
                        "ORGANIZATION_LIMIT",
                        f"a user can belong to at most {MAX_ORGANIZATIONS_PER_USER} organizations",
                    )
                org = await create_organization(session, user_id, display_name, billing_email)
                org.settings = dict(settings)
                return org

            fingerprint = (display_name, billing_email, settings)
            org = await ORGANIZATIONS.create(session, request_id, fingerprint, make, replay=replay)
            return _view(org, await organization_role(session, org.id, user_id))

    async def get(self, scope: Scope) -> OrganizationView:
        async with self._sessions() as session:
            return _view(await get_row(session, scope), current().grant.organization_role)

    async def list(self, size: int, token: str) -> tuple[list[OrganizationView], str]:
        """The caller's organizations, with the caller's role in each."""
        user_id = current().principal.id
        query = (
            select(Organization, OrganizationMembership.role)
            .join(OrganizationMembership, OrganizationMembership.organization_id == Organization.id)
            .where(OrganizationMembership.user_id == user_id)
        )
        async with self._sessions() as session:
            rows, next_token = await standard.page(
                session,
                query,
                Organization.id,
                size,
                token,
                ("organizations", user_id),
            )
        return [_view(org, role) for org, role in rows], next_token

    async def update(
        self, scope: Scope, values: dict, paths: list[str], given_etag: str
    ) -> OrganizationView:
        if "billing_email" in paths and values["billing_email"]:
            values["billing_email"] = emails.normalize(
                values["billing_email"], "organization.billing_email"
            )
        async with self._stamps.transaction(self._sessions, scope.organization_id) as (session, _):
            org = await get_row(session, scope)
            ORGANIZATIONS.update(session, org, values, paths, given_etag)
            return _view(org, current().grant.organization_role)

    async def delete(self, scope: Scope, given_etag: str) -> None:
        """Deletes the organization and, by cascade, everything it owns."""
        async with self._stamps.transaction(self._sessions, scope.organization_id) as (session, _):
            org = await get_row(session, scope)
            session.add(VectorOutbox(organization_id=org.id))  # its vectors go too, even on a crash
            await ORGANIZATIONS.delete(session, org, given_etag)
        await self._store.delete_prefix(f"org:{org.id}:")
        self._vectors_owed()
