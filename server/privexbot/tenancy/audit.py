"""The audit log: who did what, to what, when and from where — never a secret."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from privexbot.calls import current
from privexbot.store.models import AuditEvent


def record(
    session: AsyncSession,
    action: str,
    *,
    organization_id: str = "",
    resource: str = "",
    actor: str | None = None,
    details: dict[str, str] | None = None,
) -> None:
    """Append an event in the caller's transaction, so it commits with the change it records."""
    call = current()
    session.add(
        AuditEvent(
            organization_id=organization_id,
            actor=call.principal.resource_name if actor is None else actor,
            action=action,
            resource=resource,
            client_ip=call.client_ip,
            request_id=call.request_id,
            details=details or {},
        )
    )
