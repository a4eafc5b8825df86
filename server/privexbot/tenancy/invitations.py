"""Invitations into an organization (and some of its workspaces), by email or wallet: a
secret token shown once (stored hashed) and, to an email, mailed as a link; accepted by
the person it is addressed to within seven days, or revoked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from privexbot.kernel import emails, resources, standard, tasks
from privexbot.kernel.calls import current
from privexbot.kernel.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    PermissionDenied,
    not_found,
)
from privexbot.kernel.ids import hash_secret, new_secret
from privexbot.kernel.mail import Mailer
from privexbot.kernel.resources import Scope
from privexbot.kernel.views import Named, from_row
from privexbot.store import audit
from privexbot.store.models import (
    Identity,
    Invitation,
    Organization,
    OrganizationMembership,
    User,
    Workspace,
    WorkspaceMembership,
)
from privexbot.tenancy.members import MemberView, member_view, outranks_check
from privexbot.tenancy.organizations import organization_role
from privexbot.tenancy.roles import ORGANIZATION_ROLE_RANK

INVITATION_TTL = timedelta(days=7)


@dataclass(frozen=True)
class InvitationView(Named, pattern=resources.INVITATION):
    organization_id: str
    id: str
    email: str
    wallet_address: str
    role: str
    workspace_grants: tuple[tuple[str, str], ...]  # (workspace id, role)
    state: str  # pending | accepted | revoked | expired
    inviter_id: str
    created_at: datetime
    expires_at: datetime
    token: str = ""  # only when just created


def _state(row: Invitation) -> str:
    if row.state == "pending" and row.expires_at <= datetime.now(UTC):
        return "expired"
    return row.state


def _view(row: Invitation, token: str = "") -> InvitationView:
    return from_row(
        InvitationView,
        row,
        workspace_grants=tuple((g["workspace_id"], g["role"]) for g in row.workspace_grants),
        state=_state(row),
        inviter_id=row.inviter_id or "",
        token=token,
    )


INVITATIONS = standard.Methods(Invitation, resources.INVITATION, "invitation")


async def _get(session, scope: Scope, invitation_id: str) -> Invitation:
    return await INVITATIONS.get(session, Scope(scope.organization_id), invitation_id)


class Invitations:
    def __init__(self, sessions, stamps, mailer: Mailer, ensure_verified=None) -> None:
        """``ensure_verified(user_id)``: refuses inviters without a verified email (None:
        anyone may invite); identity's, passed in by the platform."""
        self._sessions, self._stamps, self._mailer = sessions, stamps, mailer
        self._ensure_verified = ensure_verified

    async def create(
        self,
        scope: Scope,
        email: str,
        wallet_address: str,
        role: str,
        grants: list[tuple[str, str]],
        request_id: str,
    ) -> InvitationView:
        """The invitation with its secret token (shown once). ``grants``: (workspace name,
        role) pairs granted on acceptance."""
        if bool(email) == bool(wallet_address):
            raise InvalidArgument.field(
                "invitation.email", "set exactly one of email and wallet_address"
            )
        if email:
            email = emails.normalize(email, "invitation.email")
        if self._ensure_verified is not None:
            await self._ensure_verified(current().principal.id)
        parent = resources.ORGANIZATION.name(scope.organization_id)
        token = new_secret()
        async with self._sessions() as session, session.begin():

            async def make() -> Invitation:
                actor = current().principal.id
                actor_rank = ORGANIZATION_ROLE_RANK[
                    await organization_role(session, scope.organization_id, actor)
                ]
                outranks_check(actor_rank, ORGANIZATION_ROLE_RANK[role], "invited role")
                workspace_grants = await self._workspace_grants(session, scope, grants)
                await self._ensure_none_pending(session, scope, email, wallet_address)
                return Invitation(
                    organization_id=scope.organization_id,
                    email=email,
                    wallet_address=wallet_address,
                    role=role,
                    workspace_grants=workspace_grants,
                    token_hash=hash_secret(token),
                    inviter_id=actor,
                    expires_at=datetime.now(UTC) + INVITATION_TTL,
                )

            invitation = await INVITATIONS.create(
                session,
                request_id,
                (parent, email, wallet_address, role, grants),
                make,
                details=lambda i: {"role": role, "workspaces": str(len(i.workspace_grants))},
            )
            organization = await session.get(Organization, scope.organization_id)
        # A replay's token was shown once and is gone (only its hash was kept).
        shown = token if invitation.token_hash == hash_secret(token) else ""
        if shown and email:
            self._mail(email, organization.display_name, role, shown)
        return _view(invitation, shown)

    def _mail(self, email: str, organization: str, role: str, token: str) -> None:
        body = (
            f"You are invited to join {organization} on PrivexBot as {role}. To accept, sign"
            f" in or sign up with this address and open:\n\n"
            f"{self._mailer.link('accept-invitation', token)}\n\n"
            f"The invitation expires in {INVITATION_TTL.days} days."
        )
        subject = f"Invitation to {organization}"
        tasks.beside(self._mailer.send(email, subject, body), "invitation mail")

    @staticmethod
    async def _workspace_grants(
        session, scope: Scope, grants: list[tuple[str, str]]
    ) -> list[dict[str, str]]:
        found = []
        for i, (workspace, ws_role) in enumerate(grants):
            field = f"invitation.workspaces[{i}].workspace"
            org_id, ws_id = resources.WORKSPACE.parse(workspace, field)
            ws = await session.get(Workspace, ws_id)
            if org_id != scope.organization_id or ws is None or ws.organization_id != org_id:
                raise InvalidArgument.field(field, "is not a workspace of this organization")
            found.append({"workspace_id": ws_id, "role": ws_role})
        return found

    @staticmethod
    async def _ensure_none_pending(session, scope: Scope, email: str, wallet_address: str) -> None:
        pending = await session.scalar(
            select(func.count()).where(
                Invitation.organization_id == scope.organization_id,
                Invitation.state == "pending",
                Invitation.expires_at > datetime.now(UTC),
                Invitation.email == email,
                Invitation.wallet_address == wallet_address,
            )
        )
        if pending:
            raise AlreadyExists("INVITATION_PENDING", "a pending invitation for this person exists")

    async def list(self, scope: Scope, size: int, token: str) -> tuple[list[InvitationView], str]:
        query = select(Invitation).where(Invitation.organization_id == scope.organization_id)
        async with self._sessions() as session:
            rows, next_token = await standard.page(
                session, query, Invitation.id, size, token, ("invitations", scope.organization_id)
            )
        return [_view(row) for row in rows], next_token

    async def revoke(self, scope: Scope, invitation_id: str) -> InvitationView:
        async with self._sessions() as session, session.begin():
            row = await _get(session, scope, invitation_id)
            if _state(row) != "pending":
                raise FailedPrecondition(
                    "INVITATION_NOT_PENDING", f"the invitation is {_state(row)}"
                )
            row.state = "revoked"
            audit.record(
                session,
                "invitation.revoke",
                organization_id=scope.organization_id,
                resource=resources.INVITATION.name(row.organization_id, row.id),
            )
        return _view(row)

    async def accept(self, token: str) -> MemberView:
        principal = current().principal
        async with self._stamps.transaction(self._sessions) as (session, changed):
            changed.users.add(principal.id)
            invitation = await session.scalar(
                select(Invitation).where(Invitation.token_hash == hash_secret(token))
            )
            if invitation is None:
                raise not_found("invitations/" + "…")
            state = _state(invitation)
            if state != "pending":
                raise FailedPrecondition(
                    f"INVITATION_{state.upper()}", f"the invitation is {state}"
                )
            if not await self._addressed_to(session, invitation, principal.id):
                raise PermissionDenied(
                    "INVITATION_NOT_FOR_YOU",
                    "this invitation is addressed to another email or wallet",
                )
            scope = Scope(invitation.organization_id)
            if await organization_role(session, scope.organization_id, principal.id) is not None:
                raise AlreadyExists("ALREADY_MEMBER", "you already belong to this organization")
            membership = OrganizationMembership(
                organization_id=scope.organization_id, user_id=principal.id, role=invitation.role
            )
            session.add(membership)
            for grant in invitation.workspace_grants:
                if await session.get(Workspace, grant["workspace_id"]) is not None:  # may be gone
                    session.add(
                        WorkspaceMembership(
                            workspace_id=grant["workspace_id"],
                            user_id=principal.id,
                            organization_id=scope.organization_id,
                            role=grant["role"],
                        )
                    )
            invitation.state = "accepted"
            await session.flush()
            audit.record(
                session,
                "invitation.accept",
                organization_id=scope.organization_id,
                resource=resources.INVITATION.name(invitation.organization_id, invitation.id),
                details={"role": invitation.role},
            )
            user = await session.get(User, principal.id)
            return member_view(user, invitation.role, membership.created_at, scope)

    @staticmethod
    async def _addressed_to(session, invitation: Invitation, user_id: str) -> bool:
        subjects = list(
            await session.scalars(select(Identity.subject).where(Identity.user_id == user_id))
        )
        if invitation.email:
            return invitation.email.lower() in subjects
        wanted = invitation.wallet_address
        return any(
            s == wanted or (s.startswith("0x") and s.lower() == wanted.lower()) for s in subjects
        )
