"""AIP-155 request ids: a retried create returns what the first attempt made.

Keys are per caller and RPC (both read from the current call), so one client's request id
never collides with another's, nor with another method's."""

from __future__ import annotations

import hashlib

from sqlalchemy.ext.asyncio import AsyncSession

from privexbot.calls import current
from privexbot.store.models import IdempotencyKey


def key(request_id: str) -> str:
    """The request id as a key unique to the current caller and RPC (hashed)."""
    call = current()
    caller, method = call.principal.resource_name, call.method.name
    return hashlib.sha256(f"{caller}\0{method}\0{request_id}".encode()).hexdigest()


async def recall(session: AsyncSession, request_id: str) -> str | None:
    """The resource name an earlier create with this request id produced, if any."""
    if not request_id:
        return None
    row = await session.get(IdempotencyKey, key(request_id))
    return row.resource if row else None


def remember(session: AsyncSession, request_id: str, resource: str) -> None:
    if request_id:
        session.add(IdempotencyKey(key=key(request_id), resource=resource))
