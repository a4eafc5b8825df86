"""What chatbots and chatflows share: a workspace resource finalized once from a draft, a
working copy edited in place, immutable numbered versions (published, listed, rolled back
to) and a publishable key for browsers.

Subclasses name the row and version models, the content they version (a chatbot's
``config``, a chatflow's ``graph``) and their checks. Every query is filtered by the scope
authorization resolved, so another tenant's resource is NOT_FOUND like a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError

from privexbot.bots.widget import new_publishable_key
from privexbot.kernel import resources, standard
from privexbot.kernel.calls import current
from privexbot.kernel.errors import not_found
from privexbot.kernel.resources import Pattern, Scope
from privexbot.kernel.standard import check_etag
from privexbot.kernel.views import InWorkspace, from_row
from privexbot.store import idempotency
from privexbot.tenancy import plans


@dataclass(frozen=True)
class VersionView:
    name: str
    number: int
    content: dict  # the configuration or graph this version froze
    publisher_id: str
    created_at: datetime

    @property
    def publisher(self) -> str:
        return resources.USER.name(self.publisher_id) if self.publisher_id else ""


@dataclass(frozen=True)
class DeployedView(InWorkspace):
    """What a chatbot's and a chatflow's views share (``Deployed`` rows); each adds its
    working content and the published one (``published_<content>``, None before any
    publish)."""

    published_version: int
    published_at: datetime | None
    publishable_key_prefix: str
    creator_id: str
    created_at: datetime
    updated_at: datetime
    etag: str


class Published:
    model: type  # the resource's row (Chatbot, Chatflow)
    version_model: type  # its versions (parent id, number, content)
    content: str  # the versioned column: "config" or "graph"
    pattern: Pattern
    kind: str  # "chatbot": audit actions chatbot.*, plan counter "chatbots"
    view: type  # its view, with a published_<content> field
    updatable: set[str]  # what an update's mask may name

    def __init__(self, sessions, drafts) -> None:
        self._sessions, self._drafts = sessions, drafts
        self._methods = standard.Methods(self.model, self.pattern, self.kind, self.updatable)

    def _view(self, row, published: dict | None):
        return from_row(
            self.view,
            row,
            **{f"published_{self.content}": published},
            publishable_key_prefix=row.publishable_key_prefix or "",
            creator_id=row.creator_id or "",
            etag=standard.etag(row),
        )

    # ---- what a kind says -------------------------------------------------------------------

    async def _check_draft(self, scope: Scope, draft) -> None:
        """Refuse a draft that cannot become the resource."""

    def _check_publishable(self, row) -> None:
        """Refuse a working copy that cannot be published."""

    def _fields_from(self, draft) -> dict:
        """The row's columns taken from the draft, beside its content."""
        return {}

    # ---- reading ------------------------------------------------------------------------------

    @property
    def _parent(self):
        return getattr(self.version_model, f"{self.kind}_id")

    def _query(self, scope: Scope):
        model, versions = self.model, self.version_model
        return (
            select(model, getattr(versions, self.content))
            .outerjoin(
                versions,
                and_(self._parent == model.id, versions.number == model.published_version),
            )
            .where(
                model.organization_id == scope.organization_id,
                model.workspace_id == scope.workspace_id,
            )
        )

    async def _row(self, session, scope: Scope, row_id: str) -> tuple:
        """The row and its published content (None before any publish)."""
        found = (await session.execute(self._query(scope).where(self.model.id == row_id))).first()
        if found is None:
            raise not_found(self.pattern.name(scope.organization_id, scope.workspace_id, row_id))
        return found[0], found[1]

    async def get(self, scope: Scope, row_id: str):
        async with self._sessions() as session:
            return self._view(*await self._row(session, scope, row_id))

    async def list(self, scope: Scope, size: int, token: str) -> tuple[list, str]:
        query_id = (f"{self.kind}s", scope.organization_id, scope.workspace_id)
        async with self._sessions() as session:
            rows, next_token = await standard.page(
                session, self._query(scope), self.model.id, size, token, query_id
            )
        return [self._view(*row) for row in rows], next_token

    async def versions(
        self, scope: Scope, row_id: str, size: int, token: str
    ) -> tuple[list[VersionView], str]:
        """Newest first."""
        versions = self.version_model
        async with self._sessions() as session:
            row, _ = await self._row(session, scope, row_id)
            query = select(versions).where(self._parent == row_id)
            page, next_token = await standard.newest_first(
                session, query, versions.number, size, token, (f"{self.kind}_versions", row_id)
            )
        name = self.pattern.name_of(row)
        return [
            VersionView(
                f"{name}/versions/{v.number}",
                v.number,
                getattr(v, self.content),
                v.publisher_id or "",
                v.created_at,
            )
            for v in page
        ], next_token

    # ---- writing ------------------------------------------------------------------------------

    async def finalize(self, scope: Scope, draft_id: str, given_etag: str, request_id: str):
        """The draft as a resource with version 1 published, then the draft is gone.
        Finalizing the same draft again (a retry, or a race) returns the one it became."""
        # The etag is a precondition, not part of what is made: a retry may leave it out.
        request = idempotency.fingerprint(scope, draft_id)
        async with self._sessions() as session:
            earlier = await self._from_draft(session, scope, draft_id, request_id, request)
            if earlier is not None:
                return earlier
        draft = await self._drafts.get(scope, draft_id)
        check_etag(given_etag, draft)
        await self._check_draft(scope, draft)
        content = getattr(draft, self.content)
        try:
            async with self._sessions() as session, session.begin():
                await plans.ensure_room(session, scope.organization_id, f"{self.kind}s", self.model)
                row = self.model(
                    **scope.columns,
                    draft_id=draft_id,
                    published_version=1,
                    published_at=datetime.now(UTC),
                    creator_id=current().principal.id or None,
                    **{self.content: content},
                    **self._fields_from(draft),
                )
                session.add(row)
                await session.flush()
                self._add_version(session, row, 1, content, row.creator_id)
                name = self.pattern.name_of(row)
                idempotency.remember(session, request_id, request, name)
                self._methods.record(session, "create", row, {"draft": draft.name})
        except IntegrityError:  # the same draft was finalized concurrently: that one wins
            async with self._sessions() as session:
                earlier = await self._from_draft(session, scope, draft_id, request_id, request)
            if earlier is None:
                raise
            return earlier
        await self._drafts.delete(scope, draft_id)
        return self._view(row, content)

    async def _from_draft(self, session, scope: Scope, draft_id, request_id, request):
        """What this request id, or else this draft, already became (a request id reused for
        another request is refused first)."""
        earlier = await idempotency.recall(session, request_id, request)
        row_id = earlier.rsplit("/", 1)[1] if earlier else None
        if row_id is None:
            model = self.model
            row_id = await session.scalar(
                select(model.id).where(
                    model.draft_id == draft_id,
                    model.organization_id == scope.organization_id,
                    model.workspace_id == scope.workspace_id,
                )
            )
        return None if row_id is None else self._view(*await self._row(session, scope, row_id))

    def _add_version(self, session, row, number: int, content: dict, publisher_id) -> None:
        session.add(
            self.version_model(
                number=number,
                publisher_id=publisher_id,
                **{f"{self.kind}_id": row.id, self.content: content},
            )
        )

    async def publish(self, scope: Scope, row_id: str, given_etag: str):
        """The working copy frozen as the next version, which chat and runs use from now."""
        async with self._sessions() as session, session.begin():
            row, _ = await self._row(session, scope, row_id)
            check_etag(given_etag, row)
            self._check_publishable(row)
            await self._publish(session, row, "publish")
        return self._view(row, getattr(row, self.content))

    async def _publish(self, session, row, action: str, details: dict | None = None) -> None:
        """The working copy as the next version (after the highest), now in use."""
        versions = self.version_model
        last = await session.scalar(
            select(versions.number)
            .where(self._parent == row.id)
            .order_by(versions.number.desc())
            .limit(1)
        )
        number = (last or 0) + 1
        content = getattr(row, self.content)
        self._add_version(session, row, number, content, current().principal.id or None)
        self._point_at(session, row, number, action, details)

    async def rollback(self, scope: Scope, row_id: str, number: int, given_etag: str):
        """An earlier version in use again; the working copy is left as it is."""
        async with self._sessions() as session, session.begin():
            row, _ = await self._row(session, scope, row_id)
            check_etag(given_etag, row)
            version = await session.get(self.version_model, (row.id, number))
            if version is None:
                raise not_found(f"{self.pattern.name_of(row)}/versions/{number}")
            self._point_at(session, row, number, "rollback")
        return self._view(row, getattr(version, self.content))

    def _point_at(
        self, session, row, number: int, action: str, details: dict | None = None
    ) -> None:
        now = datetime.now(UTC)
        row.published_version, row.published_at = number, now
        row.version, row.updated_at = row.version + 1, now
        self._methods.record(session, action, row, {"version": str(number), **(details or {})})

    async def rotate_publishable_key(self, scope: Scope, row_id: str) -> tuple:
        """A new key (returned once); the previous one stops working at once."""
        key, prefix, secret_hash = new_publishable_key()
        async with self._sessions() as session, session.begin():
            row, published = await self._row(session, scope, row_id)
            row.publishable_key_prefix, row.publishable_key_hash = prefix, secret_hash
            row.version, row.updated_at = row.version + 1, datetime.now(UTC)
            self._methods.record(session, "rotate_publishable_key", row)
        return self._view(row, published), key

    async def delete(self, scope: Scope, row_id: str, given_etag: str) -> None:
        """The resource with its versions, sessions and publishable key."""
        async with self._sessions() as session, session.begin():
            row, _ = await self._row(session, scope, row_id)
            await self._methods.delete(session, row, given_etag)
