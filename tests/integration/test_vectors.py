"""The vector store on real milvus-lite (a file in a temp dir): search, replace, tenant
isolation, deletes by scope, filter injection, read-after-write, errors.

One store serves the module; each test works in its own organization ids, so tests do
not see each other's vectors.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import sys
import textwrap
from asyncio.subprocess import PIPE
from pathlib import Path

import numpy as np
import pytest
from helpers import free_port

from privexbot.kernel.errors import FailedPrecondition, InvalidArgument, Unavailable
from privexbot.knowledge.milvus import import_milvus_lite, import_pymilvus
from privexbot.knowledge.vector_filters import SCOPE_FIELDS
from privexbot.knowledge.vector_search import Hit
from privexbot.knowledge.vectors import ChunkVector, VectorStore, vector_id

DIM = 64
SERVER = Path(__file__).resolve().parents[2] / "server"


def new_org() -> str:
    return "org-" + secrets.token_hex(6)


def unit_vectors(rng: np.random.Generator, n: int, dim: int = DIM) -> np.ndarray:
    x = rng.standard_normal((n, dim))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def chunks(org, ws, kb, doc, vectors) -> list[ChunkVector]:
    return [ChunkVector(org, ws, kb, doc, i, list(v)) for i, v in enumerate(vectors)]


async def keyword(store: VectorStore, org, ws, kbs, text, top_k=10, **kw) -> list[Hit]:
    return await store.keyword_search(
        organization_id=org, workspace_id=ws, knowledge_base_ids=kbs, text=text, top_k=top_k, **kw
    )


async def hybrid(store: VectorStore, org, ws, kbs, vector, text, top_k=10, **kw) -> list[Hit]:
    return await store.hybrid_search(
        organization_id=org,
        workspace_id=ws,
        knowledge_base_ids=kbs,
        vector=list(vector),
        text=text,
        top_k=top_k,
        pool=top_k * 4,
        **kw,
    )


@pytest.fixture(scope="module")
async def store(tmp_path_factory):
    vs = VectorStore(str(tmp_path_factory.mktemp("milvus") / "vectors.db"), dimension=DIM)
    await vs.open()
    yield vs
    await vs.close()


async def search(store: VectorStore, org, ws, kbs, vector, top_k=10, **kw) -> list[Hit]:
    return await store.search(
        organization_id=org,
        workspace_id=ws,
        knowledge_base_ids=kbs,
        vector=list(vector),
        top_k=top_k,
        **kw,
    )


async def test_search_returns_the_nearest_in_exact_order(store):
    rng = np.random.default_rng(1)
    org = new_org()
    vectors = unit_vectors(rng, 300)
    await store.upsert(
        chunks(org, "ws", "kb", "doc-a", vectors[:150])
        + chunks(org, "ws", "kb", "doc-b", vectors[150:])
    )
    for target in (0, 149, 150, 299):
        query = vectors[target] + 0.05 * rng.standard_normal(DIM)
        hits = await search(store, org, "ws", ["kb"], query, top_k=10)
        exact = np.argsort(-(vectors @ (query / np.linalg.norm(query))))[:10]
        assert [(h.document_id, h.chunk_index) for h in hits] == [
            ("doc-a", int(i)) if i < 150 else ("doc-b", int(i) - 150) for i in exact
        ]
        assert hits[0].chunk_index == target % 150
        scores = [h.score for h in hits]
        assert scores == sorted(scores, reverse=True)
        assert hits[0].score == pytest.approx(
            float(vectors[target] @ query / np.linalg.norm(query)), abs=1e-5
        )
        assert hits[0].id == vector_id(org, "ws", "kb", hits[0].document_id, hits[0].chunk_index)


async def test_scores_are_cosine_similarity_whatever_the_vector_length(store):
    org = new_org()
    a = [1.0, 0.0] + [0.0] * (DIM - 2)
    b = [3.0, 3.0] + [0.0] * (DIM - 2)  # cos(a, b) = 1/√2, not unit length
    await store.upsert([ChunkVector(org, "ws", "kb", "doc", 0, b)])
    [hit] = await search(store, org, "ws", ["kb"], [x * 7 for x in a])
    assert hit.score == pytest.approx(2**-0.5, abs=1e-6)


async def test_reupserting_a_chunk_replaces_it(store):
    rng = np.random.default_rng(2)
    org = new_org()
    first, second = unit_vectors(rng, 20), unit_vectors(rng, 20)
    await store.upsert(chunks(org, "ws", "kb", "doc", first))
    assert await store.count(organization_id=org) == 20
    await store.upsert(chunks(org, "ws", "kb", "doc", second))
    assert await store.count(organization_id=org) == 20
    for i in (0, 7, 19):
        hits = await search(store, org, "ws", ["kb"], second[i], top_k=1)
        assert (hits[0].chunk_index, hits[0].score) == (i, pytest.approx(1.0, abs=1e-5))
        # the old vector is gone: its best match is no longer a perfect one
        old = await search(store, org, "ws", ["kb"], first[i], top_k=1)
        assert old[0].score < 0.99


async def test_the_same_chunk_twice_in_one_upsert_keeps_the_last(store):
    org = new_org()
    x = [1.0] + [0.0] * (DIM - 1)
    y = [0.0, 1.0] + [0.0] * (DIM - 2)
    await store.upsert(
        [ChunkVector(org, "w", "k", "d", 0, x), ChunkVector(org, "w", "k", "d", 0, y)]
    )
    assert await store.count(organization_id=org) == 1
    [hit] = await search(store, org, "w", ["k"], y)
    assert hit.score == pytest.approx(1.0, abs=1e-6)


async def test_tenants_never_see_each_other_even_with_identical_vectors(store):
    """Two orgs × two workspaces × two KBs hold the *same* vectors under the *same*
    document ids; every search sees only its own scope, for many random queries."""
    rng = np.random.default_rng(3)
    orgs, wss, kbs = [new_org(), new_org()], ["ws-1", "ws-2"], ["kb-1", "kb-2"]
    vectors = unit_vectors(rng, 40)
    scopes = list(itertools.product(orgs, wss, kbs))
    ids_of: dict[tuple[str, str, str], set[str]] = {}
    for org, ws, kb in scopes:
        batch = chunks(org, ws, kb, "doc-1", vectors[:20]) + chunks(
            org, ws, kb, "doc-2", vectors[20:]
        )
        ids_of[(org, ws, kb)] = {c.id for c in batch}
        await store.upsert(batch)
    assert len(set().union(*ids_of.values())) == 40 * len(scopes)  # no shared rows
    queries = np.vstack([vectors[:10], unit_vectors(rng, 20)])  # exact matches and random
    for query in queries:
        for org, ws, kb in scopes:
            hits = await search(store, org, ws, [kb], query, top_k=40)
            assert len(hits) == 40
            assert {h.id for h in hits} == ids_of[(org, ws, kb)]
        for org, ws in itertools.product(orgs, wss):
            hits = await search(store, org, ws, kbs, query, top_k=100)
            assert {h.id for h in hits} == ids_of[(org, ws, kbs[0])] | ids_of[(org, ws, kbs[1])]
    # a KB id of another workspace (or org) finds nothing from there
    assert await search(store, orgs[0], "ws-other", ["kb-1"], vectors[0]) == []
    assert await search(store, new_org(), "ws-1", ["kb-1"], vectors[0]) == []
    # document filter stays inside the tenant too
    hits = await search(
        store, orgs[1], "ws-2", ["kb-1"], vectors[0], top_k=40, document_ids=["doc-2"]
    )
    assert len(hits) == 20 and {h.document_id for h in hits} == {"doc-2"}
    assert {h.id for h in hits} <= ids_of[(orgs[1], "ws-2", "kb-1")]


async def test_delete_by_document_kb_workspace_and_org_leaves_zero(store):
    rng = np.random.default_rng(4)
    org, other = new_org(), new_org()
    for o in (org, other):
        for ws, kb, doc in itertools.product(["w1", "w2"], ["k1", "k2"], ["d1", "d2"]):
            await store.upsert(chunks(o, ws, f"{ws}{kb}", f"{ws}{kb}{doc}", unit_vectors(rng, 5)))
    assert await store.count(organization_id=org) == 40

    async def gone(count_before: int, **scope) -> None:
        assert await store.count(organization_id=org, **scope) == count_before
        assert await store.delete(organization_id=org, **scope) == count_before
        assert await store.count(organization_id=org, **scope) == 0
        assert await store.delete(organization_id=org, **scope) == 0

    await gone(5, document_id="w1k1d1")
    assert await store.count(organization_id=org, knowledge_base_id="w1k1") == 5
    await gone(5, knowledge_base_id="w1k1")
    assert await store.count(organization_id=org, workspace_id="w1") == 10
    await gone(10, workspace_id="w1")
    assert await store.count(organization_id=org) == 20
    await gone(20)
    assert await store.document_ids(organization_id=org) == set()
    assert await search(store, org, "w2", ["w2k1", "w2k2"], unit_vectors(rng, 1)[0]) == []
    # the other organization, with the same workspace/KB/document ids, is untouched
    assert await store.count(organization_id=other) == 40


TEXTS = [
    "The interpreter reads a generator expression lazily",
    "Context managers define __enter__ and __exit__",
    "A generator function yields values one at a time",
    "Interior design is not about Python",
]


async def test_full_text_and_hybrid_search_stay_in_their_scope(store):
    """BM25 ranks whole words (no match inside a word), under the same tenant, knowledge
    base and document filters as vector search; hybrid fuses both rankings."""
    rng = np.random.default_rng(11)
    org, other = new_org(), new_org()
    vectors = unit_vectors(rng, len(TEXTS))
    for o in (org, other):
        await store.upsert(
            [
                ChunkVector(o, "w", "k", f"d{i}", 0, list(v), text)
                for i, (v, text) in enumerate(zip(vectors, TEXTS, strict=True))
            ]
        )
    hits = await keyword(store, org, "w", ["k"], "generator yields")
    assert [h.document_id for h in hits] == ["d2", "d0"]
    assert hits[0].score > hits[1].score > 0
    assert await keyword(store, org, "w", ["k"], "in") == []  # not inside "interior"
    assert await keyword(store, org, "w", ["k"], "  ") == []
    assert await keyword(store, org, "w", ["other"], "generator") == []
    assert await keyword(store, org, "w", ["k"], "generator", document_ids=[]) == []
    only = await keyword(store, org, "w", ["k"], "generator", document_ids=["d0"])
    assert [h.document_id for h in only] == ["d0"]
    assert {h.id for h in await keyword(store, other, "w", ["k"], "generator")}.isdisjoint(
        h.id for h in hits
    )

    # d3's vector and d1's words: both rank, fused; the other tenant's rows never appear
    fused = await hybrid(store, org, "w", ["k"], vectors[3], "context managers")
    assert {"d3", "d1"} <= {h.document_id for h in fused[:2]}
    assert {h.id for h in fused}.isdisjoint(
        h.id for h in await hybrid(store, other, "w", ["k"], vectors[3], "x")
    )
    assert await hybrid(store, org, "w", ["k"], vectors[3], "context", document_ids=[]) == []
    # no searchable word: the vector ranking alone
    plain = await hybrid(store, org, "w", ["k"], vectors[3], " ")
    assert plain[0].document_id == "d3" and plain[0].score == pytest.approx(1.0, abs=1e-4)


async def test_count_and_document_ids(store):
    rng = np.random.default_rng(5)
    org = new_org()
    await store.upsert(chunks(org, "w1", "k1", "a", unit_vectors(rng, 3)))
    await store.upsert(chunks(org, "w1", "k2", "b", unit_vectors(rng, 4)))
    await store.upsert(chunks(org, "w2", "k3", "c", unit_vectors(rng, 5)))
    assert await store.count(organization_id=org) == 12
    assert await store.count(organization_id=org, workspace_id="w1") == 7
    assert await store.count(organization_id=org, workspace_id="w1", knowledge_base_id="k2") == 4
    assert await store.count(organization_id=org, knowledge_base_id="k3", document_id="c") == 5
    assert await store.count(organization_id=org, workspace_id="w2", knowledge_base_id="k1") == 0
    assert await store.document_ids(organization_id=org) == {"a", "b", "c"}
    assert await store.document_ids(organization_id=org, workspace_id="w1") == {"a", "b"}
    assert await store.document_ids(organization_id=org, knowledge_base_id="k3") == {"c"}
    assert await store.document_ids(organization_id=new_org()) == set()


async def test_document_ids_pages_through_many_rows(store):
    """More rows than one query-iterator batch (4,096)."""
    rng = np.random.default_rng(6)
    org = new_org()
    batch = [
        ChunkVector(org, "w", "k", f"doc-{i % 500}", i // 500, list(v))
        for i, v in enumerate(unit_vectors(rng, 5000))
    ]
    await store.upsert(batch)
    assert await store.count(organization_id=org) == 5000
    assert await store.document_ids(organization_id=org) == {f"doc-{i}" for i in range(500)}
    assert await store.delete(organization_id=org, knowledge_base_id="k") == 5000


async def test_read_after_write(store):
    rng = np.random.default_rng(7)
    org = new_org()
    for i, v in enumerate(unit_vectors(rng, 15)):
        await store.upsert([ChunkVector(org, "w", "k", f"d{i}", 0, list(v))])
        hits = await search(store, org, "w", ["k"], v, top_k=1)
        assert hits and hits[0].document_id == f"d{i}" and hits[0].score > 0.999
        assert await store.count(organization_id=org) == i + 1
        assert f"d{i}" in await store.document_ids(organization_id=org)
    for i, v in enumerate(unit_vectors(rng, 15)):
        await store.delete(organization_id=org, document_id=f"d{i}")
        assert await store.count(organization_id=org, document_id=f"d{i}") == 0
        hits = await search(store, org, "w", ["k"], v, top_k=20)
        assert f"d{i}" not in {h.document_id for h in hits}


INJECTIONS = [
    'x" or organization_id != "',
    'x" || true || "',
    "x' or 1==1 or '",
    "kb-1 ",
    "",
    "a" * 65,
    "ws/1",
    'x\\" or "',
    "ünïcode",
]


@pytest.mark.parametrize("bad", INJECTIONS)
async def test_filter_injection_is_refused(store, bad):
    rng = np.random.default_rng(8)
    org = new_org()
    v = list(unit_vectors(rng, 1)[0])
    await store.upsert([ChunkVector(org, "w", "k", "d", 0, v)])
    victim = new_org()
    await store.upsert([ChunkVector(victim, "w", "k", "d", 0, v)])
    calls = [
        search(store, bad, "w", ["k"], v),
        search(store, org, bad, ["k"], v),
        search(store, org, "w", ["k", bad], v),
        search(store, org, "w", ["k"], v, document_ids=["d", bad]),
        keyword(store, bad, "w", ["k"], "text"),
        keyword(store, org, "w", ["k", bad], "text"),
        keyword(store, org, "w", ["k"], "text", document_ids=[bad]),
        hybrid(store, org, bad, ["k"], v, "text"),
        hybrid(store, org, "w", ["k"], v, "text", document_ids=["d", bad]),
        store.count(organization_id=bad),
        store.count(organization_id=org, workspace_id=bad),
        store.count(organization_id=org, knowledge_base_id=bad),
        store.count(organization_id=org, document_id=bad),
        store.delete(organization_id=bad),
        store.delete(organization_id=org, workspace_id=bad),
        store.delete(organization_id=org, knowledge_base_id=bad),
        store.delete(organization_id=org, document_id=bad),
        store.document_ids(organization_id=bad),
        store.upsert([ChunkVector(bad, "w", "k", "d", 0, v)]),
        store.upsert([ChunkVector(org, "w", "k", bad, 0, v)]),
    ]
    for call in calls:
        with pytest.raises(InvalidArgument) as err:
            await call
        assert err.value.reason == "INVALID_IDENTIFIER"
        assert err.value.violations
    assert await store.count(organization_id=org) == 1
    assert await store.count(organization_id=victim) == 1


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"vector": [1.0] * (DIM - 1)}, "vector"),
        ({"vector": [0.0] * DIM}, "vector"),
        ({"vector": [float("nan")] + [1.0] * (DIM - 1)}, "vector"),
        ({"vector": ["a"] * DIM}, "vector"),
        ({"top_k": 0}, "top_k"),
        ({"top_k": 16_385}, "top_k"),
        ({"knowledge_base_ids": "kb"}, "knowledge_base_ids"),
        ({"text": 5}, "text"),
        ({"pool": 0}, "pool"),
    ],
)
async def test_bad_search_arguments(store, kwargs, field):
    args = dict(
        organization_id="o",
        workspace_id="w",
        knowledge_base_ids=["k"],
        vector=[1.0] * DIM,
        top_k=5,
    )
    if field in ("text", "pool"):  # hybrid search only
        call, args = store.hybrid_search, {**args, "text": "t", "pool": 5}
    else:
        call = store.search
    with pytest.raises(InvalidArgument) as err:
        await call(**{**args, **kwargs})
    assert err.value.violations[0].field == field


async def test_empty_scopes_find_nothing(store):
    org = new_org()
    v = [1.0] * DIM
    await store.upsert([ChunkVector(org, "w", "k", "d", 0, v)])
    assert await search(store, org, "w", [], v) == []
    assert await search(store, org, "w", ["k"], v, document_ids=[]) == []
    assert len(await search(store, org, "w", ["k"], v, document_ids=["d"])) == 1
    await store.upsert([])


async def test_bad_upserts_write_nothing(store):
    org = new_org()
    good = ChunkVector(org, "w", "k", "d", 0, [1.0] * DIM)
    for bad in (
        ChunkVector(org, "w", "k", "d", 1, [1.0] * (DIM + 1)),
        ChunkVector(org, "w", "k", "d", 1, [0.0] * DIM),
        ChunkVector(org, "w", "k", "d", -1, [1.0] * DIM),
        ChunkVector(org, "w", "k", "d", True, [1.0] * DIM),
    ):
        with pytest.raises(InvalidArgument):
            await store.upsert([good, bad])
    assert await store.count(organization_id=org) == 0


def test_vector_ids_are_deterministic_and_per_tenant():
    a = ChunkVector("o1", "w", "k", "d", 3, [1.0])
    assert a.id == ChunkVector("o1", "w", "k", "d", 3, [2.0]).id
    assert a.id != ChunkVector("o2", "w", "k", "d", 3, [1.0]).id
    assert a.id != ChunkVector("o1", "w", "k", "d", 4, [1.0]).id
    assert len(a.id) == 32


async def test_data_survives_reopen_and_schema_is_checked(tmp_path):
    path = str(tmp_path / "persist.db")
    async with VectorStore(path, dimension=8) as vs:
        await vs.upsert([ChunkVector("o", "w", "k", "d", i, [1.0 + i] * 8) for i in range(3)])
    async with VectorStore(path, dimension=8) as vs:
        assert await vs.count(organization_id="o") == 3
    with pytest.raises(FailedPrecondition) as err:
        await VectorStore(path, dimension=16).open()
    assert err.value.reason == "VECTOR_STORE_SCHEMA_MISMATCH"
    with pytest.raises(FailedPrecondition) as err:
        await VectorStore(path, dimension=8, metric="COSINE").open()
    assert err.value.reason == "VECTOR_STORE_SCHEMA_MISMATCH"
    # pkg_resources was only stood in for while milvus_lite imported
    leaked = sys.modules.get("pkg_resources")
    assert leaked is None or hasattr(leaked, "working_set")


def make_legacy_collection(path: str, rows: list[ChunkVector]) -> None:
    """A collection as stores made it before full-text search: no text, no BM25."""
    from pymilvus import DataType, MilvusClient

    import_pymilvus()
    import_milvus_lite()
    client = MilvusClient(path)
    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=64)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=8)
    for name in ("organization_id", "workspace_id", "knowledge_base_id", "document_id"):
        schema.add_field(name, DataType.VARCHAR, max_length=64)
    schema.add_field("chunk_index", DataType.INT64)
    index = client.prepare_index_params()
    index.add_index("vector", index_type="FLAT", metric_type="IP")
    client.create_collection("privexbot_chunks", schema=schema, index_params=index)
    client.upsert(
        "privexbot_chunks",
        [
            {
                "id": c.id,
                "vector": c.vector,
                **{k: getattr(c, k) for k in SCOPE_FIELDS},
                "chunk_index": c.chunk_index,
            }
            for c in rows
        ],
    )
    client.close()


async def test_a_legacy_collection_keeps_serving_while_its_chunks_move(tmp_path):
    """Chunks stored before full-text search stay found by vector search, re-ingested ones
    supersede them, and moving them (resumable: the store may close in between) makes
    them found by keyword too; the legacy collection goes once empty."""
    path = str(tmp_path / "legacy.db")
    rng = np.random.default_rng(12)
    rows = [
        ChunkVector("o", "w", "k", f"d{d}", i, list(v))
        for d in range(3)
        for i, v in enumerate(unit_vectors(rng, 2, dim=8))
    ]
    await asyncio.to_thread(make_legacy_collection, path, rows)
    texts = {f"d{d}": {i: f"document {d} chunk{i} orchid" for i in range(2)} for d in range(3)}

    async with VectorStore(path, dimension=8) as vs:
        assert vs.legacy == "privexbot_chunks"
        assert await vs.count(organization_id="o") == 6
        hits = await vs.search(
            organization_id="o", workspace_id="w", knowledge_base_ids=["k"],
            vector=rows[3].vector, top_k=2,
        )  # fmt: skip
        assert (hits[0].document_id, hits[0].chunk_index) == ("d1", 1)
        kw = dict(organization_id="o", workspace_id="w", knowledge_base_ids=["k"], top_k=10)
        assert await vs.keyword_search(text="orchid", **kw) == []
        # re-ingested meanwhile: the new row replaces the legacy one
        await vs.upsert([ChunkVector("o", "w", "k", "d0", 0, rows[0].vector, texts["d0"][0])])
        assert await vs.count(organization_id="o") == 6
        assert await vs.legacy_count() == 5
        assert await vs.move_document("o", "w", "k", "d1", texts["d1"]) == 2
        found = {
            (h.document_id, h.chunk_index) for h in await vs.keyword_search(text="orchid", **kw)
        }
        assert found == {("d0", 0), ("d1", 0), ("d1", 1)}
        assert await vs.drop_legacy() is False  # not empty yet
    async with VectorStore(path, dimension=8) as vs:  # a restart: the job carries on
        assert vs.legacy == "privexbot_chunks"
        left = await vs.legacy_documents(10)
        assert sorted(left) == [("o", "w", "k", "d0"), ("o", "w", "k", "d2")]
        for org, ws, kb, doc in left:
            await vs.move_document(org, ws, kb, doc, texts[doc])
        assert await vs.drop_legacy() is True and vs.legacy is None
        assert await vs.count(organization_id="o") == 6
        assert len(await vs.keyword_search(text="orchid", **kw)) == 6
    async with VectorStore(path, dimension=8) as vs:
        assert vs.legacy is None


async def test_the_lite_client_pings_only_while_a_call_runs(store):
    # Idle pings make milvus-lite answer GOAWAY "too_many_pings" (seen 30-130 s into an idle
    # spell with pymilvus' defaults; none over 210 s with this option).
    handler = store._client._get_connection()
    assert handler._grpc_options["grpc.keepalive_permit_without_calls"] is False


async def test_closed_store_refuses_calls(tmp_path):
    vs = VectorStore(str(tmp_path / "closed.db"), dimension=8)
    with pytest.raises(FailedPrecondition):
        await vs.count(organization_id="o")


async def test_unreachable_server_is_unavailable():
    vs = VectorStore(f"http://127.0.0.1:{free_port()}", dimension=8, timeout_seconds=5)
    with pytest.raises(Unavailable) as err:
        await vs.open()
    assert err.value.reason == "VECTOR_STORE_UNAVAILABLE"


async def test_a_second_process_on_the_same_file_is_unavailable(tmp_path):
    """milvus-lite allows one process per file: the second gets a clear UNAVAILABLE."""
    path = str(tmp_path / "locked.db")
    async with VectorStore(path, dimension=8) as vs:
        await vs.upsert([ChunkVector("o", "w", "k", "d", 0, [1.0] * 8)])
        script = textwrap.dedent(
            f"""
            import asyncio, sys
            sys.path.insert(0, {str(SERVER)!r})
            from privexbot.kernel.errors import Unavailable
            from privexbot.knowledge.vectors import VectorStore
            async def main():
                try:
                    await VectorStore({path!r}, dimension=8).open()
                except Unavailable as exc:
                    print("UNAVAILABLE", exc.reason)
                else:
                    print("OPENED")
            asyncio.run(main())
            """
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", script, stdout=PIPE, stderr=PIPE
        )
        stdout, stderr = await asyncio.wait_for(proc.communicate(), timeout=60)
        out = stdout.decode() + stderr.decode()
        assert "UNAVAILABLE VECTOR_STORE_UNAVAILABLE" in stdout.decode(), out
    # closed here: the file is free again, the data is there
    async with VectorStore(path, dimension=8) as vs:
        assert await vs.count(organization_id="o") == 1


def test_bad_configuration():
    for kwargs in (
        {"uri": ""},
        {"uri": "var/milvus"},
        {"uri": "x.db", "dimension": 0},
        {"uri": "x.db", "collection": "bad-name"},
        {"uri": "x.db", "index_type": "DISKANN"},
        {"uri": "x.db", "metric": "L2"},
    ):
        with pytest.raises(ValueError):
            VectorStore(**kwargs)
