"""AIP-155 request ids: a retried create returns what the first attempt made."""

from __future__ import annotations

import hashlib

from sqlalchemy.ext.asyncio import AsyncSession

from privexbot.store.models import IdempotencyKey


def _key(caller: str, method: str, request_id: str) -> str:
    return hashlib.sha256(f"{caller}\0{method}\0{request_id}".encode()).hexdigest()


async def recall(session: AsyncSession, caller: str, method: str, request_id: str) -> str | None:
    """The resource name an earlier create with this request id produced, if any."""
    if not request_id:
        return None
    row = await session.get(IdempotencyKey, _key(caller, method, request_id))
    return row.resource if row else None


def remember(
    session: AsyncSession, caller: str, method: str, request_id: str, resource: str
) -> None:
    if request_id:
        session.add(IdempotencyKey(key=_key(caller, method, request_id), resource=resource))
