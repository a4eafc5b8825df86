"""The vector store: chunk embeddings in Milvus, tenant-isolated by construction.

One collection holds every tenant's vectors; each row carries its organization, workspace,
knowledge base and document ids, and a search cannot be made without an organization, a
workspace and the knowledge bases to search. Ids are checked before they
are written into a filter expression (vector_filters).
A ``.db`` path is milvus-lite (one process per file: it holds a file lock), an
``http(s)://`` URI a Milvus server; pymilvus is synchronous, so calls run in a worker
thread. Why FLAT, IP, Strong and batches of 250: docs/decisions/0003-vectors-milvus-lite.md.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from privexbot import metrics, tracing
from privexbot.kernel.errors import DomainError, FailedPrecondition, InvalidArgument, Unavailable
from privexbot.knowledge import collection
from privexbot.knowledge.collection import (
    UPSERT_BATCH,
    clipped,
)
from privexbot.knowledge.legacy_vectors import LEGACY_COLLECTION, LegacyChunks
from privexbot.knowledge.milvus import (
    LITE_GRPC_OPTIONS,
    LITE_USERS,
    import_milvus_lite,
    import_pymilvus,
    is_backend_error,
    is_server_uri,
    log,
    quiet_pymilvus_iterator,
)
from privexbot.knowledge.vector_filters import (
    SCOPE_FIELDS,
    check_id,
    normalized,
    scope_filter,
)
from privexbot.knowledge.vector_search import Searches

ITERATOR_BATCH = 4_096
INDEX_TYPES = ("FLAT", "IVF_FLAT", "AUTOINDEX", "HNSW")
METRICS = ("IP", "COSINE")

T = TypeVar("T")


@dataclass(frozen=True)
class ChunkVector:
    """One chunk's embedding and where it belongs."""

    organization_id: str
    workspace_id: str
    knowledge_base_id: str
    document_id: str
    chunk_index: int
    vector: list[float]
    text: str = ""  # analyzed by Milvus for full-text (BM25) search

    @property
    def id(self) -> str:
        return vector_id(
            self.organization_id,
            self.workspace_id,
            self.knowledge_base_id,
            self.document_id,
            self.chunk_index,
        )


def vector_id(
    organization_id: str,
    workspace_id: str,
    knowledge_base_id: str,
    document_id: str,
    chunk_index: int,
) -> str:
    """The row's primary key: 32 hex characters, the same for the same chunk of a tenant."""
    key = f"{organization_id}/{workspace_id}/{knowledge_base_id}/{document_id}/{chunk_index}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


class VectorStore(Searches, LegacyChunks):
    """Chunk vectors in one Milvus collection; see the module docstring.

    A collection from before full-text search (``legacy_collection``, dense vectors only)
    stays readable until the re-index job (reindex.py) has moved its chunks here: vector
    search reads both, writes and deletes reach both, keyword and hybrid search see what
    has been moved.

    ``index_type`` and ``metric`` are the measured choice by default (``FLAT``, ``IP``);
    others exist for benchmarks and for a Milvus server (HNSW is not in milvus-lite).
    """

    def __init__(
        self,
        uri: str,
        dimension: int = 384,
        collection: str = "privexbot_chunks_v2",
        *,
        token: str = "",
        timeout_seconds: float = 30.0,
        index_type: str = "FLAT",
        metric: str = "IP",
        legacy_collection: str = LEGACY_COLLECTION,
    ) -> None:
        if not uri:
            raise ValueError("a Milvus URI is required: a milvus-lite file (*.db) or http://…")
        if not is_server_uri(uri) and not uri.endswith(".db"):
            raise ValueError(f"a milvus-lite path must end in .db (got {uri!r})")
        if not 1 <= dimension <= 32_768:
            raise ValueError(f"dimension must be 1..32768 (got {dimension})")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,254}", collection):
            raise ValueError(f"invalid collection name {collection!r}")
        if index_type not in INDEX_TYPES:
            raise ValueError(f"index_type must be one of {INDEX_TYPES}")
        if metric not in METRICS:
            raise ValueError(f"metric must be one of {METRICS}")
        self.uri = uri
        self.dimension = dimension
        self.collection = collection
        self.legacy_collection = legacy_collection
        self.legacy: str | None = None  # set while chunks wait in the legacy collection
        self.index_type = index_type
        self.metric = metric
        self._token = token
        self._timeout = timeout_seconds
        self._lite = not is_server_uri(uri)
        self._lite_path = str(Path(uri).expanduser().absolute()) if self._lite else ""
        self._client: Any = None
        self._lock: asyncio.Lock | None = asyncio.Lock() if self._lite else None

    # -- lifecycle ----------------------------------------------------------------------

    async def open(self) -> None:
        """Connect, and create the collection (schema, index) if it is missing."""
        if self._client is not None:
            return
        if self._lite:
            Path(self._lite_path).parent.mkdir(parents=True, exist_ok=True)
        self._client = await self._call("connect", self._connect)
        try:
            await self._call("open the collection", self._ensure_collection)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        await asyncio.to_thread(self._disconnect, client)

    async def __aenter__(self) -> VectorStore:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- writes -------------------------------------------------------------------------

    async def upsert(self, vectors: list[ChunkVector]) -> None:
        """Insert or replace chunks (same tenant, document and chunk index → same row).

        Visible to every read that starts after this returns.
        """
        latest: dict[str, int] = {}  # a chunk given twice: the last one wins
        for i, chunk in enumerate(vectors):
            where = f"vectors[{i}]"
            for name in SCOPE_FIELDS:
                check_id(f"{where}.{name}", getattr(chunk, name))
            if (
                not isinstance(chunk.chunk_index, int)
                or isinstance(chunk.chunk_index, bool)
                or not 0 <= chunk.chunk_index < 2**63
            ):
                raise InvalidArgument.field(f"{where}.chunk_index", "must be an integer ≥ 0")
            if not isinstance(chunk.text, str):
                raise InvalidArgument.field(f"{where}.text", "must be a string")
            latest[chunk.id] = i
        if not latest:
            return
        keep = sorted(latest.values())
        unit = normalized("vectors", [vectors[i].vector for i in keep], self.dimension)
        rows = [
            {
                "id": vectors[i].id,
                "vector": vector,
                "organization_id": vectors[i].organization_id,
                "workspace_id": vectors[i].workspace_id,
                "knowledge_base_id": vectors[i].knowledge_base_id,
                "document_id": vectors[i].document_id,
                "chunk_index": vectors[i].chunk_index,
                "text": clipped(vectors[i].text),
            }
            for i, vector in zip(keep, unit, strict=True)
        ]
        for start in range(0, len(rows), UPSERT_BATCH):
            part = rows[start : start + UPSERT_BATCH]
            await self._call("upsert", lambda c, part=part: self._upsert(c, part))

    def _upsert(self, client: Any, rows: list[dict]) -> None:
        client.upsert(self.collection, rows)
        if self.legacy:  # a re-indexed chunk must not come back from the legacy collection
            client.delete(self.legacy, ids=[row["id"] for row in rows])

    async def delete(
        self,
        *,
        organization_id: str,
        workspace_id: str | None = None,
        knowledge_base_id: str | None = None,
        document_id: str | None = None,
    ) -> int:
        """Delete every vector in the scope; returns how many there were."""
        expr = scope_filter(organization_id, workspace_id, knowledge_base_id, document_id)

        def run(client: Any) -> int:
            return sum(self._delete(client, name, expr) for name in self._collections())

        return await self._call("delete", run)

    @staticmethod
    def _delete(client: Any, collection: str, expr: str) -> int:
        before = VectorStore._count_in(client, collection, expr)
        if before == 0:
            return 0
        result = client.delete(collection, filter=expr)
        if isinstance(result, dict) and result.get("delete_count"):
            return int(result["delete_count"])
        if isinstance(result, list) and result:  # milvus-lite: the deleted primary keys
            return len(result)
        return before

    # -- reads --------------------------------------------------------------------------

    async def count(
        self,
        *,
        organization_id: str,
        workspace_id: str | None = None,
        knowledge_base_id: str | None = None,
        document_id: str | None = None,
    ) -> int:
        """The exact number of vectors in the scope."""
        expr = scope_filter(organization_id, workspace_id, knowledge_base_id, document_id)
        return await self._call(
            "count",
            lambda c: sum(self._count_in(c, name, expr) for name in self._collections()),
        )

    async def document_ids(
        self,
        *,
        organization_id: str,
        workspace_id: str | None = None,
        knowledge_base_id: str | None = None,
    ) -> set[str]:
        """The ids of the documents that have at least one vector in the scope."""
        expr = scope_filter(organization_id, workspace_id, knowledge_base_id, None)

        def run(client: Any) -> set[str]:
            return {
                str(row["document_id"])
                for name in self._collections()
                for row in self._rows(client, name, expr, ["document_id"])
            }

        return await self._call("list documents", run)

    # -- internals ----------------------------------------------------------------------

    def _collections(self) -> list[str]:
        return [self.collection, self.legacy] if self.legacy else [self.collection]

    @staticmethod
    def _count_in(client: Any, collection: str, expr: str) -> int:
        rows = client.query(
            collection,
            filter=expr,
            output_fields=["count(*)"],
            consistency_level="Strong",
        )
        return int(rows[0]["count(*)"])

    @staticmethod
    def _rows(client: Any, collection: str, expr: str, fields: list[str]) -> list[dict]:
        """Every row matching ``expr`` (an iterator: no top-k limit)."""
        rows: list[dict] = []
        iterator = client.query_iterator(
            collection,
            batch_size=ITERATOR_BATCH,
            filter=expr,
            output_fields=fields,
            consistency_level="Strong",
        )
        try:
            while batch := iterator.next():
                rows.extend(batch)
        finally:
            iterator.close()
        return rows

    def _connect(self, _: Any = None) -> Any:
        import_pymilvus()
        if self._lite:
            import_milvus_lite()
        quiet_pymilvus_iterator()
        from pymilvus import MilvusClient

        client = MilvusClient(
            self.uri,
            token=self._token,
            timeout=self._timeout,
            grpc_options=LITE_GRPC_OPTIONS if self._lite else {},
        )
        if self._lite:
            LITE_USERS.acquire(self._lite_path)
        return client

    def _disconnect(self, client: Any) -> None:
        try:
            client.close()
        except Exception:  # closing is best effort
            log.debug("closing the Milvus client failed", exc_info=True)
        if self._lite:
            LITE_USERS.release(self._lite_path)

    def _ensure_collection(self, client: Any) -> None:
        collection.create_or_check(
            client, self.collection, self.dimension, self.index_type, self.metric
        )
        client.load_collection(self.collection)
        if self.legacy_collection != self.collection and client.has_collection(
            self.legacy_collection
        ):
            collection.check(
                client, self.legacy_collection, self.dimension, self.metric, collection.TEXT_FIELDS
            )
            client.load_collection(self.legacy_collection)
            self.legacy = self.legacy_collection

    async def _call(self, what: str, fn: Callable[[Any], T]) -> T:
        if what != "connect" and self._client is None:
            raise FailedPrecondition(
                "VECTOR_STORE_CLOSED", "the vector store is not open", {"operation": what}
            )
        client = self._client
        try:
            with tracing.child(
                f"milvus {what}",
                {
                    "db.system.name": "milvus",
                    "db.operation.name": what,
                    "db.collection.name": self.collection,
                },
            ):
                if self._lock is None:
                    return await asyncio.to_thread(fn, client)
                async with self._lock:
                    return await asyncio.to_thread(fn, client)
        except DomainError:
            raise
        except Exception as exc:
            if not is_backend_error(exc):
                raise
            log.warning("vector store: %s failed: %s", what, exc)
            metrics.DEPENDENCY_ERRORS.labels("vector_store").inc()
            where = f"milvus-lite file {self._lite_path}" if self._lite else "the Milvus server"
            hint = " (another process may have the file open)" if self._lite else ""
            raise Unavailable(
                "VECTOR_STORE_UNAVAILABLE",
                f"the vector store could not {what}: {where} is unavailable{hint}",
                {"operation": what},
            ) from exc
