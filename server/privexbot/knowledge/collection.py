"""The chunk collection's schema in Milvus: each chunk's dense vector, its scope ids, and
its text analyzed into a BM25 sparse vector (full-text search inside Milvus, decision
0011). Created when missing; an existing one must match what the store writes."""

from __future__ import annotations

from typing import Any

from privexbot.kernel.errors import FailedPrecondition
from privexbot.knowledge.vector_filters import SCOPE_FIELDS

ID_MAX_LENGTH = 64
MAX_TOP_K = 16_384  # Milvus' limit for top-k (and offset + limit of a query)
UPSERT_BATCH = 256
TEXT_MAX_BYTES = 65_535  # Milvus' VARCHAR limit; chunks are far shorter (≤ 12,000 chars)
TEXT_FIELDS = ("text", "sparse")  # the analyzed text and its BM25 sparse vector


def clipped(text: str) -> str:
    """``text`` cut to what a Milvus VARCHAR holds (bytes, not characters)."""
    data = text.encode()
    return text if len(data) <= TEXT_MAX_BYTES else data[:TEXT_MAX_BYTES].decode(errors="ignore")


def create_or_check(client: Any, name: str, dimension: int, index_type: str, metric: str) -> None:
    """Create the collection ``name`` with its indexes, or check the one that exists."""
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    if client.has_collection(name):
        check(client, name, dimension, metric)
        return
    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=ID_MAX_LENGTH)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
    for field in SCOPE_FIELDS:
        schema.add_field(field, DataType.VARCHAR, max_length=ID_MAX_LENGTH)
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
    index.add_index("vector", index_type=index_type, metric_type=metric)
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    try:
        client.create_collection(
            name, schema=schema, index_params=index, consistency_level="Strong"
        )
    except Exception:
        # Another worker may have created it meanwhile (a Milvus server); else re-raise.
        if not client.has_collection(name):
            raise
        check(client, name, dimension, metric)


def check(
    client: Any, name: str, dimension: int, metric: str, absent: tuple[str, ...] = ()
) -> None:
    """An existing collection must have the schema and index the store writes (one from
    before full-text search: all but the ``absent`` fields)."""
    described = client.describe_collection(name)
    fields = {f["name"]: f for f in described.get("fields", [])}
    problems = [
        field
        for field in ("id", "vector", "chunk_index", *SCOPE_FIELDS, *TEXT_FIELDS)
        if field not in fields and field not in absent
    ]
    dim = int(fields.get("vector", {}).get("params", {}).get("dim", 0) or 0)
    if "vector" in fields and dim != dimension:
        problems.append(f"vector dimension {dim} (want {dimension})")
    found_metric = None
    for index in client.list_indexes(name, field_name="vector") or []:
        found_metric = client.describe_index(name, index).get("metric_type")
    if found_metric and found_metric != metric:
        problems.append(f"metric {found_metric} (want {metric})")
    if problems:
        raise FailedPrecondition(
            "VECTOR_STORE_SCHEMA_MISMATCH",
            f"the Milvus collection {name} does not match: {', '.join(problems)}",
            {"collection": name},
        )
