"""The sync job of a website source: crawl the site, then make its documents match it.

The job is the source's row (state, progress, lease), claimed like a document's ingestion
(``tasks.claim``): a queued sync, a running one whose lease ran out (its worker died), or a
scheduled one that is due. Each page fetched is compared with the document of the same URL
by content hash: new pages are added, changed ones get their new content and go through
ingestion again, unchanged ones are left alone. Pages the crawl no longer reaches (or that
answer 404/410) are deleted with their vectors owed through the outbox; a page that failed
otherwise (a timeout, a 500) keeps its document. A sync that cannot crawl the site at all
fails with the reason and deletes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update

from privexbot.kernel import tasks
from privexbot.kernel.errors import FailedPrecondition, InvalidArgument
from privexbot.kernel.resources import Scope
from privexbot.knowledge.crawl import CrawlProgress, Failure, Page
from privexbot.knowledge.documents import add_document, checked, owed_vectors, replace_content
from privexbot.knowledge.website_sources import COUNTERS, site_of
from privexbot.store.models import Document, WebsiteSource

log = logging.getLogger("privexbot.website_sync")

LEASE = timedelta(seconds=60)
MAX_FAILURES_KEPT = 100
MAX_URL = 2048  # documents.source_url


class Stopped(Exception):
    """The source was deleted (or its sync taken over) while syncing."""


class WebsiteSync:
    def __init__(self, sessions, crawler, ingestion, delay_seconds: float) -> None:
        """``ingestion``: told when pages wait to be ingested or their vectors deleted."""
        self._sessions, self._crawler, self._ingestion = sessions, crawler, ingestion
        self._delay = delay_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="website-sync")
        self._wake.set()  # resume a sync a previous process left, run any that are due

    def notify(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                while (source_id := await self._claim()) is not None:
                    await self.sync(source_id)
            except asyncio.CancelledError:
                raise
            except Exception:  # keep the worker alive; the row says what failed
                log.exception("website sync worker error")
            self._wake.clear()
            try:  # a scheduled sync falls due without anyone calling: look again meanwhile
                await asyncio.wait_for(self._wake.wait(), timeout=LEASE.total_seconds() / 2)
            except TimeoutError:
                pass

    async def _claim(self) -> str | None:
        now = datetime.now(UTC)
        claimable = (
            or_(
                WebsiteSource.state == "pending",
                (WebsiteSource.state == "syncing") & (WebsiteSource.lease_until < now),
                WebsiteSource.state.in_(("ready", "failed")) & (WebsiteSource.next_sync_at <= now),
            ),
        )
        values = {
            "state": "syncing",
            "lease_until": now + LEASE,
            "progress": {},
            "page_failures": [],
            "failure_reason": "",
            "updated_at": now,
        }
        return await tasks.claim(self._sessions, WebsiteSource, claimable, values)

    async def sync(self, source_id: str) -> None:
        """Crawl one claimed source and bring its documents in line with the site."""
        async with self._sessions() as session:
            source = await session.get(WebsiteSource, source_id)
            if source is None:
                return
            known = {
                url: (doc_id, sha)
                for url, doc_id, sha in (
                    await session.execute(
                        select(Document.source_url, Document.id, Document.content_sha256).where(
                            Document.website_source_id == source_id
                        )
                    )
                ).all()
            }
        counts = dict.fromkeys(COUNTERS, 0)
        failures: list[dict[str, str]] = []
        reached: set[str] = set()  # pages whose documents stay
        found = CrawlProgress()
        try:
            async for item in self._crawler.crawl(site_of(source).settings(self._delay), found):
                counts["pages_found"] = found.found
                if isinstance(item, Failure):
                    if not item.gone:
                        reached.add(item.url)
                    _failed(counts, failures, item.url, item.reason)
                else:
                    reached.add(item.url)
                    counts["pages_fetched"] += 1
                    await self._take(source, known.get(item.url), item, counts, failures)
                await self._record(source_id, counts, failures)
            gone = [doc_id for url, (doc_id, _) in known.items() if url not in reached]
            counts["pages_removed"] = len(gone)
            await self._finish(source, "ready", "", counts, failures, gone)
        except InvalidArgument as exc:  # the site as a whole: unreachable, a bad sitemap
            await self._finish(source, "failed", exc.message, counts, failures, [])
        except Stopped:
            log.info("sync of website source %s stopped: deleted or taken over", source_id)

    async def _take(
        self,
        source: WebsiteSource,
        known: tuple[str, str] | None,
        page: Page,
        counts: dict,
        failures: list,
    ) -> None:
        """Add, update or keep the document of one fetched page."""
        if known is not None and known[1] == page.content_hash:
            counts["pages_unchanged"] += 1
            return
        if len(page.url) > MAX_URL:
            _failed(counts, failures, page.url, f"the URL is longer than {MAX_URL} characters")
            return
        try:
            content_type, sha = await checked(page.html, "text/html", page.url)
        except InvalidArgument as exc:
            _failed(counts, failures, page.url, exc.message)
            return
        scope = Scope(source.organization_id, source.workspace_id)
        async with self._sessions() as session, session.begin():
            doc = await session.get(Document, known[0], with_for_update=True) if known else None
            if doc is None:
                await add_document(
                    session,
                    source.knowledge_base_id,
                    scope,
                    page.title or page.url,
                    content_type,
                    source.labels,
                    page.html,
                    sha,
                    website_source_id=source.id,
                    source_url=page.url,
                )
                counts["pages_added"] += 1
            else:
                try:
                    await replace_content(session, doc, page.html, content_type, sha)
                except FailedPrecondition:
                    _failed(counts, failures, page.url, "changed while being ingested: next sync")
                    return
                counts["pages_updated"] += 1
        self._ingestion.notify()

    async def _record(self, source_id: str, counts: dict, failures: list) -> None:
        """Progress so far, and the lease renewed; Stopped if the source went away."""
        now = datetime.now(UTC)
        async with self._sessions() as session, session.begin():
            changed = await session.execute(
                update(WebsiteSource)
                .where(WebsiteSource.id == source_id, WebsiteSource.state == "syncing")
                .values(
                    progress=dict(counts),
                    page_failures=list(failures),
                    lease_until=now + LEASE,
                    updated_at=now,
                )
            )
        if changed.rowcount != 1:
            raise Stopped(source_id)

    async def _finish(
        self,
        source: WebsiteSource,
        state: str,
        reason: str,
        counts: dict,
        failures: list,
        gone: list[str],
    ) -> None:
        """End the sync: the documents of pages gone deleted (their vectors owed), the
        outcome recorded and the next scheduled sync set, in one transaction."""
        now = datetime.now(UTC)
        interval = source.sync_interval_hours
        async with self._sessions() as session, session.begin():
            ended = await session.execute(
                update(WebsiteSource)
                .where(WebsiteSource.id == source.id, WebsiteSource.state == "syncing")
                .values(
                    state=state,
                    progress=dict(counts),
                    page_failures=list(failures),
                    failure_reason=reason[:1000],
                    lease_until=None,
                    last_sync_at=now,
                    next_sync_at=now + timedelta(hours=interval) if interval else None,
                    updated_at=now,
                    version=WebsiteSource.version + 1,
                )
            )
            if ended.rowcount != 1:  # deleted meanwhile (its documents with it), or taken over
                return
            for doc in await session.scalars(select(Document).where(Document.id.in_(gone))):
                session.add(owed_vectors(doc))
                await session.delete(doc)
        self._ingestion.notify()


def _failed(counts: dict, failures: list, url: str, reason: str) -> None:
    counts["pages_failed"] += 1
    if len(failures) < MAX_FAILURES_KEPT:
        failures.append({"url": url[:MAX_URL], "reason": reason[:500]})
