"""A user leaving every organization at once, as their account is deleted: refused while
they are the last owner of an organization with other members; the organizations they are
alone in are deleted with everything in them; elsewhere their memberships go and the API
keys they made there are revoked."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, func, select, update

from privexbot.kernel import resources
from privexbot.kernel.errors import FailedPrecondition
from privexbot.store.models import (
    ApiKey,
    Organization,
    OrganizationMembership,
    VectorOutbox,
    WorkspaceMembership,
)


class Departures:
    def __init__(self, store, vectors_owed) -> None:
        """``vectors_owed``: called after a delete that owes Milvus vector deletions."""
        self._store, self._vectors_owed = store, vectors_owed

    @staticmethod
    async def leave_all(session, user_id: str) -> tuple[list[str], list[str]]:
        """In the caller's transaction: the ids of the organizations the user left and of
        those deleted (``forget`` them once committed)."""
        om = OrganizationMembership
        rows = (
            await session.execute(select(om.organization_id, om.role).where(om.user_id == user_id))
        ).all()
        left, deleted, blocked = [], [], []
        for org_id, role in rows:
            members, owners = (
                await session.execute(
                    select(func.count(), func.count().filter(om.role == "owner")).where(
                        om.organization_id == org_id
                    )
                )
            ).one()
            if members == 1:
                deleted.append(org_id)
            elif role == "owner" and owners == 1:
                blocked.append(resources.ORGANIZATION.name(org_id))
            else:
                left.append(org_id)
        if blocked:
            raise FailedPrecondition(
                "LAST_OWNER",
                "you are the last owner of an organization with other members: make someone"
                " else owner, or delete it, first",
                {"organizations": ",".join(blocked[:20])},
            )
        await session.execute(
            update(ApiKey)
            .where(ApiKey.creator_id == user_id, ApiKey.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )
        await session.execute(
            delete(WorkspaceMembership).where(WorkspaceMembership.user_id == user_id)
        )
        await session.execute(delete(om).where(om.user_id == user_id))
        for org_id in deleted:
            session.add(VectorOutbox(organization_id=org_id))  # its vectors go too
            await session.execute(delete(Organization).where(Organization.id == org_id))
        return left, deleted

    async def forget(self, deleted: list[str]) -> None:
        """After the deletes committed: the deleted organizations' ephemeral state, and
        their vectors owed."""
        for org_id in deleted:
            await self._store.delete_prefix(f"org:{org_id}:")
        if deleted:
            self._vectors_owed()
