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
import contextlib
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from privexbot.kernel.errors import DomainError, FailedPrecondition, InvalidArgument, Unavailable
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
    check_ids,
    normalized,
    scope_filter,
    string_list,
)

ID_MAX_LENGTH = 64
MAX_TOP_K = 16_384  # Milvus' limit for top-k (and offset + limit of a query)
UPSERT_BATCH = 256
ITERATOR_BATCH = 4_096
TEXT_MAX_BYTES = 65_535  # Milvus' VARCHAR limit; chunks are far shorter (≤ 12,000 chars)
RRF_K = 60  # the usual reciprocal-rank-fusion constant
TEXT_FIELDS = ("text", "sparse")  # the analyzed text and its BM25 sparse vector
LEGACY_COLLECTION = "privexbot_chunks"  # before full-text search: no text, no BM25
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


@dataclass(frozen=True)
class Hit:
    """A search result, higher scores better: the cosine similarity to the query (vector),
    its BM25 score (keyword) or its reciprocal-rank-fusion score (hybrid)."""

    id: str
    document_id: str
    chunk_index: int
    score: float


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


def clipped(text: str) -> str:
    """``text`` cut to what a Milvus VARCHAR holds (bytes, not characters)."""
    data = text.encode()
    return text if len(data) <= TEXT_MAX_BYTES else data[:TEXT_MAX_BYTES].decode(errors="ignore")


def _check_top_k(top_k: object, name: str = "top_k") -> None:
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K:
        raise InvalidArgument.field(name, f"must be 1..{MAX_TOP_K}")


def _query_text(text: object) -> str:
    """A full-text query: a string, whitespace-trimmed; empty finds nothing."""
    if not isinstance(text, str):
        raise InvalidArgument.field("text", "must be a string")
    return clipped(text.strip())


@contextlib.contextmanager
def _nothing_written_yet() -> Iterator[None]:
    """milvus-lite 2.5.1 fails a BM25 search in a collection no row was ever written to
    (average document length 0: "Invalid sparse row: NaN or Inf"); there is nothing to find,
    so the error is swallowed and the caller's fallback (no hits) follows."""
    try:
        yield
    except Exception as exc:
        if "Invalid sparse row: NaN or Inf" not in str(exc):
            raise


class VectorStore:
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

    async def search(
        self,
        *,
        organization_id: str,
        workspace_id: str,
        knowledge_base_ids: list[str],
        vector: list[float],
        top_k: int,
        document_ids: list[str] | None = None,
    ) -> list[Hit]:
        """The ``top_k`` chunks nearest to ``vector`` in these knowledge bases, best first.

        Only chunks of this organization and workspace, in one of ``knowledge_base_ids``
        (and of ``document_ids`` when given) can be returned. An empty list of knowledge
        bases or documents finds nothing.
        """
        expr = self._search_filter(organization_id, workspace_id, knowledge_base_ids, document_ids)
        _check_top_k(top_k)
        query = normalized("vector", [vector], self.dimension)[0]
        if expr is None:
            return []

        def run(client: Any) -> list[Hit]:
            hits = [
                hit
                for name in self._collections()
                for hit in self._hits(
                    client.search(
                        name,
                        data=[query],
                        anns_field="vector",
                        filter=expr,
                        limit=top_k,
                        output_fields=["document_id", "chunk_index"],
                        search_params={"metric_type": self.metric},
                        consistency_level="Strong",
                    )[0],
                    clamp=True,
                )
            ]
            return sorted(hits, key=lambda h: h.score, reverse=True)[:top_k]

        return await self._call("search", run)

    async def keyword_search(
        self,
        *,
        organization_id: str,
        workspace_id: str,
        knowledge_base_ids: list[str],
        text: str,
        top_k: int,
        document_ids: list[str] | None = None,
    ) -> list[Hit]:
        """Full-text search: the ``top_k`` chunks with the best BM25 score for ``text``
        (Milvus' analyzer and statistics), in the same scope as :meth:`search`."""
        expr = self._search_filter(organization_id, workspace_id, knowledge_base_ids, document_ids)
        _check_top_k(top_k)
        text = _query_text(text)
        if expr is None or not text:
            return []

        def run(client: Any) -> list[Hit]:
            with _nothing_written_yet():
                return self._hits(
                    client.search(
                        self.collection,
                        data=[text],
                        anns_field="sparse",
                        filter=expr,
                        limit=top_k,
                        output_fields=["document_id", "chunk_index"],
                        search_params={"metric_type": "BM25"},
                        consistency_level="Strong",
                    )[0]
                )
            return []

        return await self._call("search", run)

    async def hybrid_search(
        self,
        *,
        organization_id: str,
        workspace_id: str,
        knowledge_base_ids: list[str],
        vector: list[float],
        text: str,
        top_k: int,
        pool: int,
        document_ids: list[str] | None = None,
    ) -> list[Hit]:
        """One Milvus ``hybrid_search``: the ``pool`` best by vector and the ``pool`` best by
        BM25, fused by reciprocal rank (k = 60) into the ``top_k`` best, same scope as
        :meth:`search`. Text with no searchable word is a vector search."""
        expr = self._search_filter(organization_id, workspace_id, knowledge_base_ids, document_ids)
        _check_top_k(top_k)
        _check_top_k(pool, "pool")
        query = normalized("vector", [vector], self.dimension)[0]
        text = _query_text(text)
        if expr is None:
            return []
        if not text:
            return await self.search(
                organization_id=organization_id,
                workspace_id=workspace_id,
                knowledge_base_ids=knowledge_base_ids,
                vector=vector,
                top_k=top_k,
                document_ids=document_ids,
            )

        def run(client: Any) -> list[Hit]:
            from pymilvus import AnnSearchRequest, RRFRanker

            requests = [
                AnnSearchRequest(
                    data=[query],
                    anns_field="vector",
                    param={"metric_type": self.metric},
                    limit=pool,
                    expr=expr,
                ),
                AnnSearchRequest(
                    data=[text],
                    anns_field="sparse",
                    param={"metric_type": "BM25"},
                    limit=pool,
                    expr=expr,
                ),
            ]
            with _nothing_written_yet():
                result = client.hybrid_search(
                    self.collection,
                    requests,
                    RRFRanker(RRF_K),
                    limit=top_k,
                    output_fields=["document_id", "chunk_index"],
                    consistency_level="Strong",
                )
                return self._hits(result[0])
            return []

        return await self._call("search", run)

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

    # -- the move from the legacy collection (reindex.py) --------------------------------

    async def legacy_documents(self, limit: int) -> list[tuple[str, str, str, str]]:
        """Up to ``limit`` (organization, workspace, knowledge base, document) still in the
        legacy collection."""
        if not self.legacy:
            return []

        def run(client: Any) -> list[tuple[str, str, str, str]]:
            found: dict[tuple[str, str, str, str], None] = {}
            rows = client.query(
                self.legacy,
                filter='id != ""',
                output_fields=list(SCOPE_FIELDS),
                limit=MAX_TOP_K,
                consistency_level="Strong",
            )
            for row in rows:
                found[tuple(str(row[name]) for name in SCOPE_FIELDS)] = None
                if len(found) == limit:
                    break
            return list(found)  # type: ignore[arg-type]

        return await self._call("list legacy documents", run)

    async def legacy_count(self) -> int:
        """Chunks still in the legacy collection (0 when there is none)."""
        if not self.legacy:
            return 0
        return await self._call("count", lambda c: self._count_in(c, self.legacy, 'id != ""'))

    async def move_document(
        self,
        organization_id: str,
        workspace_id: str,
        knowledge_base_id: str,
        document_id: str,
        texts: dict[int, str],
    ) -> int:
        """Move a document's chunks from the legacy collection here with their ``texts``
        (by chunk index), in one call: copied first, then deleted from the legacy one, so a
        crash in between only repeats the copy. Returns how many chunks moved."""
        expr = scope_filter(organization_id, workspace_id, knowledge_base_id, document_id)
        fields = ["id", "vector", "chunk_index", *SCOPE_FIELDS]

        def run(client: Any) -> int:
            if not self.legacy:
                return 0
            rows = [
                {**{k: row[k] for k in fields}, "text": clipped(texts.get(row["chunk_index"], ""))}
                for row in self._rows(client, self.legacy, expr, fields)
            ]
            for start in range(0, len(rows), UPSERT_BATCH):
                client.upsert(self.collection, rows[start : start + UPSERT_BATCH])
            if rows:
                client.delete(self.legacy, filter=expr)
            return len(rows)

        return await self._call("move a document", run)

    async def drop_legacy(self) -> bool:
        """Drop the legacy collection once it is empty; True when it is gone."""

        def run(client: Any) -> bool:
            if self.legacy and self._count_in(client, self.legacy, 'id != ""') == 0:
                client.drop_collection(self.legacy)
                self.legacy = None
            return self.legacy is None

        return await self._call("drop the legacy collection", run)

    # -- internals ----------------------------------------------------------------------

    @staticmethod
    def _search_filter(
        organization_id: str,
        workspace_id: str,
        knowledge_base_ids: list[str],
        document_ids: list[str] | None,
    ) -> str | None:
        """The tenant-confined filter of a search, every id checked; None: nothing to find."""
        check_id("organization_id", organization_id)
        check_id("workspace_id", workspace_id)
        check_ids("knowledge_base_ids", knowledge_base_ids)
        if document_ids is not None:
            check_ids("document_ids", document_ids)
        if not knowledge_base_ids or document_ids == []:
            return None
        expr = (
            f'organization_id == "{organization_id}" and workspace_id == "{workspace_id}"'
            f" and knowledge_base_id in {string_list(knowledge_base_ids)}"
        )
        if document_ids is not None:
            expr += f" and document_id in {string_list(document_ids)}"
        return expr

    @staticmethod
    def _hits(rows: list[dict], *, clamp: bool = False) -> list[Hit]:
        """Search rows as hits; ``clamp``: scores are cosines (rounding can leave -1..1)."""
        return [
            Hit(
                id=str(row["id"]),
                document_id=str(row["entity"]["document_id"]),
                chunk_index=int(row["entity"]["chunk_index"]),
                score=max(-1.0, min(1.0, float(row["distance"])))
                if clamp
                else float(row["distance"]),
            )
            for row in rows
        ]

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
        from pymilvus import DataType, Function, FunctionType, MilvusClient

        if client.has_collection(self.collection):
            self._check_collection(client)
        else:
            schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
            schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=ID_MAX_LENGTH)
            schema.add_field("vector", DataType.FLOAT_VECTOR, dim=self.dimension)
            for name in SCOPE_FIELDS:
                schema.add_field(name, DataType.VARCHAR, max_length=ID_MAX_LENGTH)
            schema.add_field("chunk_index", DataType.INT64)
            schema.add_field(
                "text",
                DataType.VARCHAR,
                max_length=TEXT_MAX_BYTES,
                enable_analyzer=True,
                analyzer_params={"type": "standard"},
            )
            schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
            schema.add_function(
                Function(
                    name="text_bm25",
                    function_type=FunctionType.BM25,
                    input_field_names=["text"],
                    output_field_names=["sparse"],
                )
            )
            index = client.prepare_index_params()
            index.add_index("vector", index_type=self.index_type, metric_type=self.metric)
            index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
            try:
                client.create_collection(
                    self.collection,
                    schema=schema,
                    index_params=index,
                    consistency_level="Strong",
                )
            except Exception:
                # Another worker may have created it meanwhile (a Milvus server); else re-raise.
                if not client.has_collection(self.collection):
                    raise
                self._check_collection(client)
        client.load_collection(self.collection)
        if self.legacy_collection != self.collection and client.has_collection(
            self.legacy_collection
        ):
            self._check_collection(client, self.legacy_collection, TEXT_FIELDS)
            client.load_collection(self.legacy_collection)
            self.legacy = self.legacy_collection

    def _check_collection(
        self, client: Any, collection: str | None = None, absent: tuple[str, ...] = ()
    ) -> None:
        """An existing collection must have the schema and index this store writes (a legacy
        one: all but the ``absent`` fields)."""
        collection = collection or self.collection
        described = client.describe_collection(collection)
        fields = {f["name"]: f for f in described.get("fields", [])}
        problems = [
            name
            for name in ("id", "vector", "chunk_index", *SCOPE_FIELDS, *TEXT_FIELDS)
            if name not in fields and name not in absent
        ]
        dim = int(fields.get("vector", {}).get("params", {}).get("dim", 0) or 0)
        if "vector" in fields and dim != self.dimension:
            problems.append(f"vector dimension {dim} (want {self.dimension})")
        metric = None
        for name in client.list_indexes(collection, field_name="vector") or []:
            metric = client.describe_index(collection, name).get("metric_type")
        if metric and metric != self.metric:
            problems.append(f"metric {metric} (want {self.metric})")
        if problems:
            raise FailedPrecondition(
                "VECTOR_STORE_SCHEMA_MISMATCH",
                f"the Milvus collection {collection} does not match: {', '.join(problems)}",
                {"collection": collection},
            )

    async def _call(self, what: str, fn: Callable[[Any], T]) -> T:
        if what != "connect" and self._client is None:
            raise FailedPrecondition(
                "VECTOR_STORE_CLOSED", "the vector store is not open", {"operation": what}
            )
        client = self._client
        try:
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
            where = f"milvus-lite file {self._lite_path}" if self._lite else "the Milvus server"
            hint = " (another process may have the file open)" if self._lite else ""
            raise Unavailable(
                "VECTOR_STORE_UNAVAILABLE",
                f"the vector store could not {what}: {where} is unavailable{hint}",
                {"operation": what},
            ) from exc
