"""AIP-155 request ids: a retried create answers with what the first attempt made.

A key is per caller and RPC (both read from the current call), so one client's request id
never collides with another's, nor with another method's. It records the request's
fingerprint (its parent and every field it was given, hashed): the same request id with a
different request answers INVALID_ARGUMENT (REQUEST_ID_REUSED). A replay is answered by the
create reading the resource again in the request's scope, as the caller may see it now (a
tenant they have left answers NOT_FOUND). Keys expire after ``KEY_LIFETIME``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from privexbot.kernel.calls import current
from privexbot.kernel.errors import InvalidArgument
from privexbot.store.models import IdempotencyKey

KEY_LIFETIME = timedelta(hours=24)


def key(request_id: str) -> str:
    """The request id as a key unique to the current caller and RPC (hashed)."""
    call = current()
    caller, method = call.principal.resource_name, call.method.name
    return hashlib.sha256(f"{caller}\0{method}\0{request_id}".encode()).hexdigest()


def fingerprint(*fields) -> str:
    """A digest of a create's parent and fields (JSON-representable values)."""
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def reused() -> InvalidArgument:
    return InvalidArgument.field(
        "request_id",
        "was already used for a different request; use a new request id",
        "REQUEST_ID_REUSED",
    )


async def recall(session: AsyncSession, request_id: str, request: str) -> str | None:
    """The resource name an earlier create with this request id produced, if any.
    ``request``: this request's ``fingerprint``."""
    if not request_id:
        return None
    row = await session.get(IdempotencyKey, key(request_id))
    if row is None:
        return None
    if row.created_at <= datetime.now(UTC) - KEY_LIFETIME:
        await session.delete(row)
        await session.flush()
        return None
    if row.fingerprint != request:
        raise reused()
    return row.resource


def remember(session: AsyncSession, request_id: str, request: str, resource: str) -> None:
    if request_id:
        session.add(IdempotencyKey(key=key(request_id), fingerprint=request, resource=resource))


async def forget_expired(session: AsyncSession, now: datetime) -> int:
    """Delete keys past their lifetime; the number deleted."""
    result = await session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at <= now - KEY_LIFETIME)
    )
    return result.rowcount or 0
