"""Website sources: a site crawled into a knowledge base (crawl.py), each page a document
citing its URL. The resource is the crawl's settings and the state of its latest sync; the
sync itself is a durable job on the same row (website_sync.py). Creating one probes the
site first, so a private address or an unreachable site is INVALID_ARGUMENT and nothing is
stored; deleting one deletes its pages' documents, their vectors owed through the outbox."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from privexbot.kernel import resources, standard
from privexbot.kernel.errors import FailedPrecondition
from privexbot.kernel.resources import Scope
from privexbot.kernel.views import InWorkspace, from_row
from privexbot.knowledge.crawl import CrawlSettings
from privexbot.knowledge.documents import owed_vectors
from privexbot.knowledge.knowledge_bases import page_within, placed_in
from privexbot.store.models import Document, WebsiteSource

DEFAULT_MAX_PAGES = 50
WATCH_INTERVAL = 0.2
DEFAULT_MAX_DEPTH = 3
COUNTERS = (
    "pages_found",
    "pages_fetched",
    "pages_failed",
    "pages_added",
    "pages_updated",
    "pages_unchanged",
    "pages_removed",
)


@dataclass(frozen=True)
class Site:
    """What a client asks to crawl."""

    start_url: str
    sitemap: bool
    include_patterns: tuple[str, ...]
    exclude_patterns: tuple[str, ...]
    max_pages: int  # 0: the default
    max_depth: int | None  # None: the default
    sync_interval_hours: int
    labels: dict[str, str]

    def settings(self, delay_seconds: float) -> CrawlSettings:
        return CrawlSettings(
            start_url=self.start_url,
            sitemap=self.sitemap,
            include=self.include_patterns,
            exclude=self.exclude_patterns,
            max_pages=self.max_pages or DEFAULT_MAX_PAGES,
            max_depth=DEFAULT_MAX_DEPTH if self.max_depth is None else self.max_depth,
            delay_seconds=delay_seconds,
        )


@dataclass(frozen=True)
class WebsiteSourceView(InWorkspace, pattern=resources.WEBSITE_SOURCE):
    knowledge_base_id: str
    start_url: str
    sitemap: bool
    include_patterns: tuple[str, ...]
    exclude_patterns: tuple[str, ...]
    max_pages: int
    max_depth: int
    sync_interval_hours: int
    labels: dict[str, str]
    state: str  # pending | syncing | ready | failed
    progress: dict[str, int]
    page_failures: tuple[dict[str, str], ...]
    failure_reason: str
    created_at: datetime
    updated_at: datetime
    last_sync_at: datetime | None
    next_sync_at: datetime | None
    etag: str


def _view(row: WebsiteSource) -> WebsiteSourceView:
    return from_row(
        WebsiteSourceView,
        row,
        include_patterns=tuple(row.include_patterns),
        exclude_patterns=tuple(row.exclude_patterns),
        labels=dict(row.labels),
        progress={c: int(row.progress.get(c, 0)) for c in COUNTERS},
        page_failures=tuple(row.page_failures),
        etag=standard.etag(row),
    )


def site_of(row: WebsiteSource) -> Site:
    """What the source asks to crawl, as stored."""
    return from_row(Site, _view(row))


WEBSITE_SOURCES = standard.Methods(WebsiteSource, resources.WEBSITE_SOURCE, "website_source")


async def _get(session, scope: Scope, kb_id: str, source_id: str) -> WebsiteSource:
    return await WEBSITE_SOURCES.get(session, scope, kb_id, source_id, knowledge_base_id=kb_id)


class WebsiteSources:
    def __init__(self, sessions, crawler, sync, ingestion, delay_seconds: float) -> None:
        """``crawler`` probes a site before it is stored; ``sync`` (the job) and
        ``ingestion`` (owed vector deletions) are told of new work."""
        self._sessions, self._crawler = sessions, crawler
        self._sync, self._ingestion = sync, ingestion
        self._delay = delay_seconds

    async def create(self, scope: Scope, kb_id: str, site: Site, request_id: str):
        settings = site.settings(self._delay)
        await self._crawler.probe(settings, "website_source.")
        parent = resources.KNOWLEDGE_BASE.name(scope.organization_id, scope.workspace_id, kb_id)
        async with self._sessions() as session, session.begin():

            async def make() -> WebsiteSource:
                asked = asdict(site) | {
                    "max_pages": settings.max_pages,
                    "max_depth": settings.max_depth,
                }
                return WebsiteSource(
                    **await placed_in(session, scope, kb_id),
                    **asked,
                    state="pending",
                    progress={},
                    page_failures=[],
                )

            row = await WEBSITE_SOURCES.create(
                session,
                request_id,
                (parent, asdict(site)),
                make,
                details=lambda r: {"start_url": r.start_url[:256]},
            )
            view = _view(row)
        self._sync.notify()
        return view

    async def get(self, scope: Scope, kb_id: str, source_id: str) -> WebsiteSourceView:
        async with self._sessions() as session:
            return _view(await _get(session, scope, kb_id, source_id))

    async def list(
        self, scope: Scope, kb_id: str, size: int, token: str
    ) -> tuple[list[WebsiteSourceView], str]:
        rows, next_token = await page_within(
            self._sessions, scope, kb_id, WebsiteSource, size, token
        )
        return [_view(r) for r in rows], next_token

    async def watch(
        self, scope: Scope, kb_id: str, source_id: str
    ) -> AsyncIterator[WebsiteSourceView]:
        """The source now, then whenever its sync moves on, until no sync is queued or
        running. Polls the row, so it follows a sync in any worker process."""
        last = None
        while True:
            async with self._sessions() as session:
                row = await _get(session, scope, kb_id, source_id)
            if (row.state, row.progress) != last:
                last = (row.state, dict(row.progress))
                yield _view(row)
            if row.state in ("ready", "failed"):
                return
            await asyncio.sleep(WATCH_INTERVAL)

    async def sync(self, scope: Scope, kb_id: str, source_id: str) -> WebsiteSourceView:
        """Queue a sync now; one already queued or running is FAILED_PRECONDITION."""
        async with self._sessions() as session, session.begin():
            row = await _get(session, scope, kb_id, source_id)
            if row.state in ("pending", "syncing"):
                raise FailedPrecondition(
                    "ALREADY_SYNCING", f"the website source is {row.state}: wait for it"
                )
            row.state, row.lease_until, row.failure_reason = "pending", None, ""
            row.version, row.updated_at = row.version + 1, datetime.now(UTC)
            view = _view(row)
        self._sync.notify()
        return view

    async def delete(self, scope: Scope, kb_id: str, source_id: str, given_etag: str) -> None:
        """The source and its pages' documents (deleted with it by the foreign key), each
        document's vectors owed through the outbox in the same transaction."""
        async with self._sessions() as session, session.begin():
            row = await _get(session, scope, kb_id, source_id)
            pages = await session.scalars(
                select(Document).where(Document.website_source_id == row.id)
            )
            session.add_all(owed_vectors(doc) for doc in pages)
            await WEBSITE_SOURCES.delete(session, row, given_etag)
        self._ingestion.notify()
