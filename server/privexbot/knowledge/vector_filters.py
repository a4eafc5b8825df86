"""Checks and Milvus filter expressions for the vector store. Ids are checked against
:data:`ID_PATTERN` before they are written into an expression, so no id can change what a
filter means."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np

from privexbot.kernel.errors import InvalidArgument

ID_PATTERN = re.compile(r"[A-Za-z0-9-]{1,64}")
SCOPE_FIELDS = ("organization_id", "workspace_id", "knowledge_base_id", "document_id")


def check_id(name: str, value: object) -> None:
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        raise InvalidArgument.field(
            name, "must be 1–64 letters, digits or '-'", reason="INVALID_IDENTIFIER"
        )


def check_ids(name: str, values: object) -> None:
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise InvalidArgument.field(name, "must be a list of ids")
    for i, value in enumerate(values):
        check_id(f"{name}[{i}]", value)


def string_list(values: list[str]) -> str:
    """``["a", "b"]`` for ids already checked against ID_PATTERN (no quotes, no escapes)."""
    return "[" + ", ".join(f'"{value}"' for value in dict.fromkeys(values)) + "]"


def scope_filter(
    organization_id: str,
    workspace_id: str | None,
    knowledge_base_id: str | None,
    document_id: str | None,
) -> str:
    """``organization_id == "…"`` and each narrower scope given; the organization is required."""
    parts = []
    for name, value in zip(
        SCOPE_FIELDS,
        (organization_id, workspace_id, knowledge_base_id, document_id),
        strict=True,
    ):
        if value is None and name != "organization_id":
            continue
        check_id(name, value)
        parts.append(f'{name} == "{value}"')
    return " and ".join(parts)


def normalized(name: str, vectors: list[Any], dimension: int) -> list[list[float]]:
    """Each vector scaled to unit length, so inner product is cosine similarity."""
    try:
        matrix = np.asarray(vectors, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidArgument.field(name, "must be lists of numbers") from None
    if matrix.ndim != 2 or matrix.shape[1] != dimension:
        raise InvalidArgument.field(name, f"must have {dimension} dimensions")
    norms = np.linalg.norm(matrix, axis=1)
    bad = np.flatnonzero(~np.isfinite(norms) | (norms == 0.0))
    if bad.size:
        raise InvalidArgument.field(name, f"must be finite and not all zeros (item {bad[0]})")
    return (matrix / norms[:, None]).astype(np.float32).tolist()
