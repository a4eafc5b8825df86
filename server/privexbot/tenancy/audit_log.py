"""An organization's audit log, newest first, filtered (recording is store.audit's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from privexbot.kernel import pagination, resources
from privexbot.kernel.resources import Scope
from privexbot.kernel.views import Named
from privexbot.store.models import AuditEvent


@dataclass(frozen=True)
class AuditEventView(Named, pattern=resources.AUDIT_EVENT):
    organization_id: str
    id: str
    actor: str
    action: str
    resource: str
    created_at: datetime
    client_ip: str
    request_id: str
    details: dict[str, str]


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""  # an action, or a prefix of actions ("member" matches "member.add")
    resource: str = ""
    start: datetime | None = None
    end: datetime | None = None


class AuditLog:
    def __init__(self, sessions) -> None:
        self._sessions = sessions

    async def list(
        self, scope: Scope, only: AuditFilter, size: int, token: str
    ) -> tuple[list[AuditEventView], str]:
        """This organization's events, newest first."""
        query = select(AuditEvent).where(AuditEvent.organization_id == scope.organization_id)
        return await self._page(query, ("audit", scope.organization_id), only, size, token)

    async def of_actor(
        self, actor: str, only: AuditFilter, size: int, token: str
    ) -> tuple[list[AuditEventView], str]:
        """What ``actor`` (users/{id}) did, in every organization, newest first."""
        query = select(AuditEvent).where(AuditEvent.actor == actor)
        return await self._page(query, ("my-audit", actor), only, size, token)

    async def _page(
        self, query, query_id: tuple, only: AuditFilter, size: int, token: str
    ) -> tuple[list[AuditEventView], str]:
        query_id = (*query_id, *vars(only).values())
        before = pagination.decode(token, query_id)
        if only.actor:
            query = query.where(AuditEvent.actor == only.actor)
        if only.action:
            query = query.where(
                or_(
                    AuditEvent.action == only.action,
                    AuditEvent.action.startswith(only.action + "."),
                )
            )
        if only.resource:
            query = query.where(AuditEvent.resource == only.resource)
        if only.start:
            query = query.where(AuditEvent.created_at >= only.start)
        if only.end:
            query = query.where(AuditEvent.created_at < only.end)
        if before:
            query = query.where(AuditEvent.id < before)
        async with self._sessions() as session:
            rows = list(await session.scalars(query.order_by(AuditEvent.id.desc()).limit(size + 1)))
        page, next_token = pagination.page(rows, size, lambda r: r.id, query_id)
        return [
            AuditEventView(
                r.organization_id,
                r.id,
                r.actor,
                r.action,
                r.resource,
                r.created_at,
                r.client_ip,
                r.request_id,
                dict(r.details),
            )
            for r in page
        ], next_token
