"""A user's own account as a whole: deleted (after re-authentication) or exported.

A deletion leaves every organization (tenancy's rules, wired by the platform), revokes every
session, deletes the identities and mail tokens, and keeps the user row anonymized (no
email, name or password) so that the revoked sessions stay on record: an access token of
the account fails on its next call even if the ephemeral store lost the revocations. The
export is one JSON object, streamed in pieces.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy import delete, select, update

from privexbot.identity.reauthentication import reauthenticate
from privexbot.identity.sessions import SignInSessions
from privexbot.kernel import resources
from privexbot.kernel.errors import Unauthenticated, not_found
from privexbot.kernel.principal import Principal
from privexbot.kernel.ratelimit import RateLimiter
from privexbot.store import audit
from privexbot.store.models import (
    ApiKey,
    AuditEvent,
    EmailToken,
    Identity,
    OrganizationMembership,
    Session,
    User,
    WorkspaceMembership,
)

# Without the password, the calling session must have signed in this recently.
EXPORT_PIECE_BYTES = 64 * 1024
EXPORT_AUDIT_EVENTS = 10_000  # the newest of the user's own events

# (database session, user id) -> (organizations left, organizations deleted): tenancy's.
LeaveAll = Callable[[object, str], Awaitable[tuple[list[str], list[str]]]]
Forget = Callable[[list[str]], Awaitable[None]]


def _time(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


class Accounts:
    def __init__(
        self, sessions, store, stamps, families: SignInSessions, leave_all: LeaveAll, forget: Forget
    ) -> None:
        self._sessions, self._stamps, self._families = sessions, stamps, families
        self._leave_all, self._forget = leave_all, forget
        self._limits = RateLimiter(store)

    @staticmethod
    def _own(principal: Principal, user_name: str) -> None:
        if resources.USER.id_of(user_name) != principal.id:
            raise not_found(user_name)

    async def delete(self, principal: Principal, user_name: str, password: str) -> None:
        self._own(principal, user_name)
        async with self._stamps.transaction(self._sessions) as (session, changed):
            user = await session.get(User, principal.id)
            if user is None or user.deleted_at is not None:
                raise Unauthenticated("USER_DELETED", "this account no longer exists")
            await reauthenticate(self._limits, session, user, principal, password, "delete")
            left, deleted = await self._leave_all(session, user.id)
            changed.users.add(user.id)
            changed.organizations.update(left + deleted)
            for org_id in left or [""]:  # in each organization that remains
                audit.record(
                    session,
                    "auth.account.delete",
                    organization_id=org_id,
                    resource=user_name,
                    details={"organizations_deleted": str(len(deleted))},
                )
            await self._families.revoke_all(session, user.id, "account_deleted")
            await session.execute(
                update(Session).where(Session.user_id == user.id).values(client_ip="")
            )
            await session.execute(delete(Identity).where(Identity.user_id == user.id))
            await session.execute(delete(EmailToken).where(EmailToken.user_id == user.id))
            user.email = user.password_hash = user.email_verified_at = None
            user.display_name, user.deleted_at = "", datetime.now(UTC)
        await self._forget(deleted)

    async def export(self, principal: Principal, user_name: str) -> AsyncIterator[bytes]:
        """The archive's JSON, in pieces of at most EXPORT_PIECE_BYTES."""
        self._own(principal, user_name)
        archive = await self._archive(principal.id, user_name)
        data = json.dumps(archive, ensure_ascii=False, indent=1).encode()
        for start in range(0, len(data), EXPORT_PIECE_BYTES):
            yield data[start : start + EXPORT_PIECE_BYTES]

    async def _archive(self, user_id: str, user_name: str) -> dict:
        async with self._sessions() as session:
            user = await session.get(User, user_id)

            async def rows(query) -> list:
                return list(await session.scalars(query))

            identities = await rows(select(Identity).where(Identity.user_id == user_id))
            orgs = await rows(
                select(OrganizationMembership).where(OrganizationMembership.user_id == user_id)
            )
            workspaces = await rows(
                select(WorkspaceMembership).where(WorkspaceMembership.user_id == user_id)
            )
            families = await rows(select(Session).where(Session.user_id == user_id))
            keys = await rows(select(ApiKey).where(ApiKey.creator_id == user_id))
            events = await rows(
                select(AuditEvent)
                .where(AuditEvent.actor == user_name)
                .order_by(AuditEvent.id.desc())
                .limit(EXPORT_AUDIT_EVENTS)
            )
        return {
            "exported_at": _time(datetime.now(UTC)),
            "user": {
                "name": user_name,
                "email": user.email,
                "email_verified_at": _time(user.email_verified_at),
                "display_name": user.display_name,
                "created_at": _time(user.created_at),
                "has_password": user.password_hash is not None,
            },
            "identities": [
                {"kind": i.kind, "chain": i.chain, "subject": i.subject}
                | {"created_at": _time(i.created_at), "last_used_at": _time(i.last_used_at)}
                for i in identities
            ],
            "organization_memberships": [
                {
                    "organization": resources.ORGANIZATION.name(m.organization_id),
                    "role": m.role,
                    "created_at": _time(m.created_at),
                }
                for m in orgs
            ],
            "workspace_memberships": [
                {
                    "workspace": resources.WORKSPACE.name(m.organization_id, m.workspace_id),
                    "role": m.role,
                    "custom_role": m.custom_role_id
                    and resources.ROLE.name(m.organization_id, m.custom_role_id),
                    "created_at": _time(m.created_at),
                }
                for m in workspaces
            ],
            "sessions": [
                {
                    "name": resources.SESSION.name(user_id, s.id),
                    "created_at": _time(s.created_at),
                    "last_used_at": _time(s.last_used_at),
                    "client_ip": s.client_ip,
                    "revoked_at": _time(s.revoked_at),
                }
                for s in families
            ],
            "api_keys_created": [
                {
                    "name": resources.API_KEY.name(k.organization_id, k.workspace_id, k.id),
                    "display_name": k.display_name,
                    "permissions": k.permissions,
                    "created_at": _time(k.created_at),
                    "revoked_at": _time(k.revoked_at),
                    "last_used_ip": k.last_used_ip,
                }
                for k in keys
            ],
            "audit_events": [
                {
                    "action": e.action,
                    "resource": e.resource,
                    "organization": e.organization_id
                    and resources.ORGANIZATION.name(e.organization_id),
                    "time": _time(e.created_at),
                    "client_ip": e.client_ip,
                    "details": e.details,
                }
                for e in events
            ],
        }
