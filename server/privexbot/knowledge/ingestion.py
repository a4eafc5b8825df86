"""Ingestion: parse → chunk → embed (in the enclave, batched) → upsert into Milvus.

The job is the document row itself (state, stage, counters, lease), so it is durable: a
crash or restart resumes whatever was pending or running, and the lease stops two worker
processes from taking the same document. Vector deletions go through the SQL outbox
(``VectorOutbox``), written in the same transaction as the rows they follow and applied
after commit, so a process dying mid-delete leaves the deletion owed, not forgotten;
``reconcile`` is the independent check that no vector outlives its document.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, exists, or_, select, update

from privexbot import metrics, tracing
from privexbot.kernel import tasks
from privexbot.kernel.errors import DomainError, InvalidArgument, Unavailable
from privexbot.knowledge import chunking, parsing
from privexbot.knowledge.vectors import ChunkVector, VectorStore
from privexbot.store.models import Chunk, Document, DocumentContent, KnowledgeBase, VectorOutbox

log = logging.getLogger("privexbot.ingestion")

EMBED_BATCH = 32
MAX_ATTEMPTS = 5  # for failures other than an unavailable dependency


def retry_delay(attempt: int) -> timedelta:
    """How long a document waits after its ``attempt``-th try met an unavailable dependency
    (the enclave, the vector store): doubling from a minute, at most an hour."""
    return timedelta(seconds=min(60 * 2 ** min(attempt - 1, 12), 3600))


def attempts_within(limit: timedelta) -> int:
    """How many tries the delays of ``retry_delay`` fit into ``limit``."""
    attempts, waited = 0, timedelta()
    while waited < limit:
        attempts += 1
        waited += retry_delay(attempts)
    return max(attempts, 1)


TERMINAL = ("ready", "failed", "cancelled")


def chunking_config(settings: dict) -> chunking.ChunkingConfig:
    return chunking.ChunkingConfig(
        strategy=chunking.Strategy(settings.get("strategy", "recursive")),
        chunk_size=settings.get("chunk_size", 1000),
        chunk_overlap=settings.get("chunk_overlap", 200),
    )


class Cancelled(Exception):
    """The document was cancelled or deleted while being ingested."""


class Ingestion:
    def __init__(
        self,
        sessions,
        vectors: VectorStore,
        embed,
        retry_for: timedelta = timedelta(days=3),
        lease: timedelta = timedelta(seconds=60),
    ) -> None:
        """``embed``: async (texts) -> vectors, the inference gateway's embeddings.
        ``retry_for``: how long a document keeps waiting for an unavailable dependency.
        ``lease``: how long a running job is its worker's without progress; a job whose
        worker died is taken up again once it runs out."""
        self._sessions, self._vectors, self._embed = sessions, vectors, embed
        self._lease = lease
        self._unavailable_attempts = attempts_within(retry_for)
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task] = []

    # ---- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._run(), name="ingestion")]
        self._wake.set()  # resume anything left pending or running by a previous process

    def notify(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _run(self) -> None:
        while True:
            try:
                await self.apply_outbox()
                while (document_id := await self._claim()) is not None:
                    await self._ingest(document_id)
                    await self.apply_outbox()
            except asyncio.CancelledError:
                raise
            except Exception:  # keep the worker alive; the row says what failed
                log.exception("ingestion worker error")
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._lease.total_seconds() / 2)
            except TimeoutError:
                pass

    # ---- the job --------------------------------------------------------------------------

    async def _claim(self) -> str | None:
        """Take one pending document, or a running one whose lease ran out (its worker died);
        not one whose old vectors are still owed (its content was replaced): the outbox is
        applied first, so it cannot delete the new vectors."""
        now = datetime.now(UTC)
        claimable = (
            Document.state.in_(("pending", "processing")),
            or_(Document.lease_until.is_(None), Document.lease_until < now),
            ~exists().where(VectorOutbox.document_id == Document.id),
        )
        values = {
            "state": "processing",
            "lease_until": now + self._lease,
            "attempts": Document.attempts + 1,
            "updated_at": now,
        }
        return await tasks.claim(self._sessions, Document, claimable, values)

    async def _progress(self, document_id: str, **values) -> None:
        """Record progress and renew the lease; Cancelled if the document went away."""
        now = datetime.now(UTC)
        async with self._sessions() as session, session.begin():
            changed = await session.execute(
                update(Document)
                .where(Document.id == document_id, Document.state == "processing")
                .values(lease_until=now + self._lease, updated_at=now, **values)
            )
        if changed.rowcount != 1:
            raise Cancelled(document_id)

    async def _ingest(self, document_id: str) -> None:
        try:
            with tracing.root("knowledge.ingest", {"privexbot.document_id": document_id}):
                await self._ingest_once(document_id)
        except Cancelled:
            log.info("ingestion of %s stopped: cancelled or deleted", document_id)
        except InvalidArgument as exc:  # the document itself is bad: retrying cannot help
            await self._finish(document_id, "failed", exc.message)
        except Unavailable as exc:  # the enclave or the vector store is down: wait for it
            await self._retry_later(document_id, exc.message, self._unavailable_attempts)
        except DomainError as exc:
            await self._retry_later(document_id, exc.message, MAX_ATTEMPTS)

    async def _ingest_once(self, document_id: str) -> None:
        async with self._sessions() as session:
            row = await session.get(Document, document_id)
            kb = await session.get(KnowledgeBase, row.knowledge_base_id) if row else None
            content = await session.get(DocumentContent, document_id)
        if row is None or kb is None or content is None:
            raise Cancelled(document_id)
        await self._progress(document_id, stage="parsing")
        parsed = await asyncio.to_thread(parsing.parse, content.content, row.content_type)
        await self._progress(document_id, stage="chunking", page_count=parsed.pages or 0)
        chunks = chunking.chunk(parsed, chunking_config(kb.chunking))
        async with self._sessions() as session, session.begin():
            await session.execute(delete(Chunk).where(Chunk.document_id == document_id))
            session.add_all(
                Chunk(
                    document_id=document_id,
                    index=c.index,
                    knowledge_base_id=kb.id,
                    text=c.text,
                    start_offset=c.start,
                    end_offset=c.end,
                    page=c.page,
                    heading_path=list(c.heading_path),
                )
                for c in chunks
            )
        # A re-index may produce fewer chunks: drop the document's old vectors first.
        await self._vectors.delete(
            organization_id=row.organization_id,
            workspace_id=row.workspace_id,
            knowledge_base_id=kb.id,
            document_id=document_id,
        )
        await self._progress(
            document_id,
            stage="embedding",
            chunks_total=len(chunks),
            chunks_embedded=0,
            chunks_indexed=0,
        )
        for start in range(0, len(chunks), EMBED_BATCH):
            batch = chunks[start : start + EMBED_BATCH]
            embeddings = await self._embed([c.text for c in batch])
            await self._progress(document_id, chunks_embedded=start + len(batch))
            await self._vectors.upsert(
                [
                    ChunkVector(
                        organization_id=row.organization_id,
                        workspace_id=row.workspace_id,
                        knowledge_base_id=kb.id,
                        document_id=document_id,
                        chunk_index=c.index,
                        vector=vector,
                        text=c.text,
                    )
                    for c, vector in zip(batch, embeddings, strict=True)
                ]
            )
            await self._progress(document_id, stage="indexing", chunks_indexed=start + len(batch))
        await self._finish(document_id, "ready", "")

    async def _finish(self, document_id: str, state: str, reason: str) -> None:
        now = datetime.now(UTC)
        async with self._sessions() as session, session.begin():
            uploaded = await session.scalar(
                select(Document.created_at).where(Document.id == document_id)
            )
            finished = await session.execute(
                update(Document)
                .where(Document.id == document_id, Document.state == "processing")
                .values(
                    state=state,
                    stage="done" if state == "ready" else "queued",
                    failure_reason=reason[:1000],
                    lease_until=None,
                    updated_at=now,
                    ready_at=now if state == "ready" else None,
                    version=Document.version + 1,
                )
            )
        if finished.rowcount == 1:
            metrics.INGESTION_JOBS.labels(state).inc()
            if state == "ready":
                metrics.INGESTION_SECONDS.observe((now - uploaded).total_seconds())

    async def _retry_later(self, document_id: str, reason: str, most: int) -> None:
        """Try again after ``retry_delay`` (the document stays processing, its lease set to
        then), or give up after ``most`` tries (FAILED; ReindexDocument starts it again)."""
        async with self._sessions() as session, session.begin():
            row = await session.get(Document, document_id)
            if row is None or row.state != "processing":
                return
            if row.attempts < most:
                delay = retry_delay(row.attempts)
                row.lease_until = datetime.now(UTC) + delay
                # Shown on the document while it waits: why it is not ready yet.
                row.failure_reason = f"retrying in {delay}: {reason}"[:1000]
                log.warning("ingestion of %s will be retried in %s: %s", document_id, delay, reason)
                return
        await self._finish(
            document_id, "failed", f"gave up after {row.attempts} attempts: {reason}"
        )

    # ---- deletions ------------------------------------------------------------------------

    async def apply_outbox(self) -> int:
        """Apply owed vector deletions (oldest first); each row goes once Milvus did it."""
        async with self._sessions() as session:
            owed = list(await session.scalars(select(VectorOutbox).order_by(VectorOutbox.id)))
        for item in owed:
            await self._vectors.delete(
                organization_id=item.organization_id,
                workspace_id=item.workspace_id,
                knowledge_base_id=item.knowledge_base_id,
                document_id=item.document_id,
            )
            async with self._sessions() as session, session.begin():
                await session.execute(delete(VectorOutbox).where(VectorOutbox.id == item.id))
        return len(owed)

    async def reconcile(self, organization_id: str) -> int:
        """Delete vectors whose document no longer exists in SQL; returns how many documents
        had orphans. Independent of the outbox: it compares the two stores directly."""
        in_milvus = await self._vectors.document_ids(organization_id=organization_id)
        if not in_milvus:
            return 0
        async with self._sessions() as session:
            alive = set(
                await session.scalars(
                    select(Document.id).where(
                        Document.id.in_(in_milvus), Document.state != "cancelled"
                    )
                )
            )
        orphans = in_milvus - alive
        for document_id in orphans:
            await self._vectors.delete(organization_id=organization_id, document_id=document_id)
        return len(orphans)
