"""The AIP standard methods over SQL rows, written once: get in a scope (AIP-131), a keyset
page (AIP-132/158), an update with its mask and etag (AIP-134/154), an idempotent create
(AIP-133/155) and a delete (AIP-135), each audited in the caller's transaction under the
organization its resource name is in.

A resource's module declares one ``Methods`` (its model, pattern, audit noun, the fields a
mask may name); each write then says only what differs: what a create makes, what is
audited. Rows carry ``id``, ``version`` and ``updated_at``; scoped rows carry
``organization_id`` (and ``workspace_id``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import and_, or_, select

from privexbot.kernel import pagination, resources
from privexbot.kernel.errors import Aborted, InvalidArgument, not_found
from privexbot.kernel.resources import Pattern, Scope
from privexbot.store import audit, idempotency

Row = TypeVar("Row")


def etag(row) -> str:
    """Opaque and changes on every update (AIP-154)."""
    return hashlib.sha256(f"{row.id}:{row.version}".encode()).hexdigest()[:16]


def check_etag(given: str, row) -> None:
    if given and given != etag(row):
        raise Aborted("ETAG_MISMATCH", "the resource changed since you read it; read it again")


def check_mask(paths: list[str], allowed: set[str]) -> list[str]:
    """The update mask's paths, refusing anything that is not user-editable (role, plan,
    owner, name, times: privileged or output-only fields never change through a mask)."""
    if not paths:
        raise InvalidArgument.field("update_mask", "must name the fields to change")
    refused = sorted(set(paths) - allowed)
    if refused:
        shown = ", ".join(path[:64] for path in refused[:10])
        raise InvalidArgument.field(
            "update_mask", f"cannot change {shown}; updatable: {', '.join(sorted(allowed))}"
        )
    return paths


async def get(
    session, model: type[Row], pattern: Pattern, scope: Scope, *ids: str, **owners
) -> Row:
    """The row whose id is ``ids[-1]``, if it lies in ``scope`` (and its ``owners`` columns
    hold those values, e.g. ``knowledge_base_id``); NOT_FOUND, named by ``pattern``,
    otherwise: a row in another tenant answers exactly like a missing one."""
    row = await session.get(model, ids[-1])
    if (
        row is None
        or row.organization_id != scope.organization_id
        or (scope.workspace_id is not None and row.workspace_id != scope.workspace_id)
        or any(getattr(row, column) != value for column, value in owners.items())
    ):
        raise not_found(pattern.name(*_scope_ids(scope), *ids))
    return row


def _scope_ids(scope: Scope) -> tuple[str, ...]:
    if scope.workspace_id is None:
        return (scope.organization_id,)
    return (scope.organization_id, scope.workspace_id)


async def page(
    session, query, key_column, size: int, token: str, query_id: tuple
) -> tuple[list, str]:
    """One keyset page of ``query`` in ``key_column`` order and the next page's token (bound
    to ``query_id``): rows when the query selects one thing, else tuples; the key is read
    from each as ``.id`` (or ``[0].id`` for tuples)."""
    result = await session.execute(pagination.keyset(query, key_column, size, token, query_id))
    if len(query.column_descriptions) == 1:
        found = list(result.scalars())
    else:
        found = [tuple(row) for row in result.all()]
    return pagination.page(found, size, _key, query_id)


async def workspace_page(session, model, scope, size: int, token: str) -> tuple[list, str]:
    """One page of ``model``'s rows in the scope's workspace, by id, and the next token."""
    query = select(model).where(
        model.organization_id == scope.organization_id,
        model.workspace_id == scope.workspace_id,
    )
    query_id = (model.__tablename__, scope.workspace_id)
    return await page(session, query, model.id, size, token, query_id)


async def newest_first(session, query, number, size: int, token: str, query_id: tuple):
    """One page of numbered rows (versions), highest ``number`` column first, and the
    next page's token."""
    after = pagination.decode(token, query_id)
    if after:
        query = query.where(number < int(after))
    rows = list(await session.scalars(query.order_by(number.desc()).limit(size + 1)))
    return pagination.page(rows, size, lambda row: str(getattr(row, number.key)), query_id)


def _key(row) -> str:
    return row[0].id if isinstance(row, tuple) else row.id


async def recent_page(
    session, query, model, size: int, token: str, query_id: tuple
) -> tuple[list, str]:
    """One page of ``query``'s ``model`` rows, most recently updated first: the token holds
    the last row's (updated_at, id), so rows touched meanwhile neither repeat nor vanish
    from later pages."""
    after = pagination.decode(token, query_id)
    if after:
        time, _, last_id = after.partition("|")
        at = datetime.fromisoformat(time)
        query = query.where(
            or_(model.updated_at < at, and_(model.updated_at == at, model.id < last_id))
        )
    query = query.order_by(model.updated_at.desc(), model.id.desc()).limit(size + 1)
    rows = list(await session.scalars(query))
    return pagination.page(rows, size, lambda r: f"{r.updated_at.isoformat()}|{r.id}", query_id)


class Methods:
    """The write methods of one resource (its model, pattern, audit noun and the fields a
    mask may name), so each call states only what differs: the row, the values, details."""

    def __init__(self, model, pattern: Pattern, noun: str, updatable: set[str] = frozenset()):
        self.model, self.pattern, self.noun, self.updatable = model, pattern, noun, updatable

    async def get(self, session, scope: Scope, *ids: str, **owners):
        return await get(session, self.model, self.pattern, scope, *ids, **owners)

    def update(
        self,
        session,
        row,
        values: dict[str, Any],
        paths: list[str],
        given_etag: str,
        *,
        audited: list[str] | None = None,
        details: dict[str, str] | None = None,
    ) -> None:
        """Apply an update (AIP-134): the mask names only updatable fields, the etag
        matches, the named fields change (a path absent from ``values`` is one the caller
        changed itself, e.g. a document's content), the version moves on, and the change is
        audited (naming ``audited`` as the fields changed, by default the paths, with any
        other ``details``)."""
        check_mask(paths, self.updatable)
        check_etag(given_etag, row)
        for path in paths:
            if path in values:
                setattr(row, path, values[path])
        row.version += 1
        row.updated_at = datetime.now(UTC)
        fields = {"fields": ",".join(sorted(audited or paths))}
        self.record(session, "update", row, {**fields, **(details or {})})

    async def create(
        self,
        session,
        request_id: str,
        request: tuple,
        make: Callable[[], Awaitable[Row]],
        *,
        replay: Callable[[str], Awaitable[Row]] | None = None,
        verb: str = "create",
        details: Callable[[Row], dict[str, str]] | None = None,
    ) -> Row:
        """An idempotent, audited create (AIP-133/155). ``request``: the parent and fields
        the request gave (its fingerprint); ``make`` returns the new row (added here). A
        retry answers the resource as it is now: ``replay(earlier name)``, by default the
        row of that name (NOT_FOUND once deleted; the fingerprint holds the parent, so the
        name is in the caller's scope)."""
        fingerprint = idempotency.fingerprint(*request)
        earlier = await idempotency.recall(session, request_id, fingerprint)
        if earlier:
            return await (replay or partial(self._reread, session))(earlier)
        row = await make()
        session.add(row)
        await session.flush()
        idempotency.remember(session, request_id, fingerprint, self.pattern.name_of(row))
        self.record(session, verb, row, details(row) if details else None)
        return row

    async def _reread(self, session, name: str):
        row = await session.get(self.model, self.pattern.id_of(name))
        if row is None:
            raise not_found(name)
        return row

    async def delete(
        self,
        session,
        row,
        given_etag: str,
        *,
        refuse: Callable[[Any], None] | None = None,
        details: dict[str, str] | None = None,
    ) -> None:
        """Delete a row (AIP-135) whose etag matches, audited (with ``details``).
        ``refuse(row)`` raises when the resource's own rules keep this row (checked after
        the etag)."""
        check_etag(given_etag, row)
        if refuse is not None:
            refuse(row)
        await session.delete(row)
        self.record(session, "delete", row, details)

    def record(self, session, verb: str, row, details: dict[str, str] | None = None) -> None:
        """An audit event ``{noun}.{verb}`` under the organization the row's name is in."""
        resource = self.pattern.name_of(row)
        organization_id = resources.scope_of(resource).organization_id
        action = f"{self.noun}.{verb}"
        audit.record(
            session, action, organization_id=organization_id, resource=resource, details=details
        )
