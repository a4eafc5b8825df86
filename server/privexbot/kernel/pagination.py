"""AIP-158 pagination: page_size clamped, opaque page tokens bound to the query they came from."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json

from privexbot.kernel.errors import InvalidArgument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


def page_size(requested: int, field: str = "page_size") -> int:
    if requested < 0:
        raise InvalidArgument.field(field, "must not be negative")
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def _fingerprint(query: tuple) -> str:
    return hashlib.sha256(repr(query).encode()).hexdigest()[:16]


def encode(after: str, query: tuple) -> str:
    """A token resuming after the row whose sort key is ``after``, valid only for ``query``."""
    payload = json.dumps({"a": after, "q": _fingerprint(query)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).rstrip(b"=").decode()


def decode(token: str, query: tuple, field: str = "page_token") -> str | None:
    """The sort key to resume after, or None for the first page."""
    if not token:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        after, fingerprint = payload["a"], payload["q"]
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise InvalidArgument.field(field, "is not a token this API issued") from exc
    if fingerprint != _fingerprint(query) or not isinstance(after, str):
        raise InvalidArgument.field(
            field, "belongs to a different query (parent or filters changed)"
        )
    return after


def page(rows: list, size: int, key, query: tuple) -> tuple[list, str]:
    """Split ``size + 1`` fetched rows into the page and the next token."""
    if len(rows) <= size:
        return rows, ""
    rows = rows[:size]
    return rows, encode(key(rows[-1]), query)


def keyset(query, key, size: int, token: str, query_id: tuple, field: str = "page_token"):
    """``query`` narrowed to one page: rows after the token's key, in key order, plus one
    row to tell whether another page follows (``page`` splits it off)."""
    after = decode(token, query_id, field)
    if after:
        query = query.where(key > after)
    return query.order_by(key).limit(size + 1)
