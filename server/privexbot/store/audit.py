"""The audit log: who did what, to what, when and from where — never a secret."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from privexbot.kernel.calls import current
from privexbot.kernel.ids import new_id
from privexbot.store.models import AuditEvent

_INSERT = insert(AuditEvent.__table__)


def _event(
    action: str,
    *,
    organization_id: str = "",
    resource: str = "",
    actor: str | None = None,
    details: dict[str, str] | None = None,
) -> dict:
    call = current()
    return {
        "organization_id": organization_id,
        "actor": call.principal.resource_name if actor is None else actor,
        "action": action,
        "resource": resource,
        "client_ip": call.client_ip,
        "request_id": call.request_id,
        "details": details or {},
    }


def record(session: AsyncSession, action: str, **event) -> None:
    """Append an event in the caller's transaction, so it commits with the change it records.
    ``event``: organization_id, resource, actor (default: the caller), details."""
    session.add(AuditEvent(**_event(action, **event)))


async def append(session: AsyncSession, action: str, **event) -> None:
    """``record``, as one Core INSERT now (no ORM object to track and flush), for hot paths
    such as sign-in; still in the caller's transaction."""
    await session.execute(
        _INSERT, {"id": new_id(), "created_at": datetime.now(UTC), **_event(action, **event)}
    )


async def record_apart(sessions, action: str, *, details: dict[str, str] | None = None) -> None:
    """Record an event in a transaction of its own: a failed attempt, whose own transaction
    rolls back, is still on the record."""
    async with sessions() as session, session.begin():
        record(session, action, details=details)
