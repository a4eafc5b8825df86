"""Strategies for the well-known types requests carry (Timestamp, Duration, Struct, Value,
FieldMask, HttpBody, Empty): each a (plausible, hostile) pair, as messages.py draws
fields."""

from __future__ import annotations

import string

from google.protobuf import message_factory
from hypothesis import strategies as st

from . import values

SECONDS = st.one_of(
    st.sampled_from([0, -62135596800, 253402300799, -62135596801, 253402300800, 2**63 - 1]),
    st.integers(-(2**63), 2**63 - 1),
)
NANOS = st.one_of(
    st.sampled_from([0, 999_999_999, 10**9, -1, -(2**31)]), st.integers(-(2**31), 2**31 - 1)
)


def _seconds_nanos(cls):
    return (
        st.builds(lambda s: cls(seconds=s), st.integers(1_600_000_000, 1_900_000_000)),
        st.builds(lambda s, n: cls(seconds=s, nanos=n), SECONDS, NANOS),
    )


_KEYS = st.text(string.ascii_lowercase + "_", min_size=1, max_size=8)
_PLAIN_JSON = st.recursive(
    st.one_of(st.booleans(), st.integers(-100, 100), values.plausible_text()),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_KEYS, inner, max_size=3)),
    max_leaves=6,
)
_HOSTILE_JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.floats(), st.integers(-(2**60), 2**60), values.text()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(values.text(), inner, max_size=3)
    ),
    max_leaves=8,
)


def _struct(cls):
    def build(fields: dict):
        message = cls()
        message.update(fields)
        return message

    return (
        st.dictionaries(_KEYS, _PLAIN_JSON, max_size=4).map(build),
        st.dictionaries(values.text(), _HOSTILE_JSON, max_size=4).map(build),
    )


def _value(cls):
    def build(value):
        message = cls()
        if value is None:
            message.null_value = 0
        elif isinstance(value, bool):
            message.bool_value = value
        elif isinstance(value, int | float):
            message.number_value = value
        elif isinstance(value, str):
            message.string_value = value
        elif isinstance(value, list):
            message.list_value.extend(value)
        else:
            message.struct_value.update(value)
        return message

    return _PLAIN_JSON.map(build), _HOSTILE_JSON.map(build)


MASK_PATHS = st.one_of(
    st.sampled_from(["*", "", "a.b.c", "update_time", "name.x", "config.*", "Name", "etag"]),
    values.text(),
)


def field_mask(cls, resource_fields: list[str]):
    """Masks naming the fields of the resource beside it (``resource_fields``), or anything."""
    named = st.sampled_from(resource_fields or ["display_name"])
    return (
        st.lists(named, min_size=1, max_size=2, unique=True).map(lambda p: cls(paths=p)),
        st.lists(st.one_of(named, MASK_PATHS), max_size=4).map(lambda p: cls(paths=p)),
    )


def _http_body(cls):
    return (
        st.builds(
            lambda d: cls(content_type="application/json", data=d),
            st.sampled_from([b"{}", b'{"update_id": 1}', b'{"message": {"text": "hi"}}']),
        ),
        st.builds(
            lambda t, d: cls(content_type=t, data=d),
            st.one_of(st.sampled_from(["application/json", "text/plain", ""]), values.text()),
            values.binary(samples=(b"[]", b"null", b'{"update_id": "x"}', b"\xff")),
        ),
    )


def _empty(cls):
    return st.just(cls()), st.just(cls())


BUILDERS = {
    "google.protobuf.Timestamp": _seconds_nanos,
    "google.protobuf.Duration": _seconds_nanos,
    "google.protobuf.Struct": _struct,
    "google.protobuf.Value": _value,
    "google.api.HttpBody": _http_body,
    "google.protobuf.Empty": _empty,
    "google.protobuf.Any": _empty,
}


def pair(descriptor) -> tuple[st.SearchStrategy, st.SearchStrategy] | None:
    """(plausible, hostile) strategies for a well-known type, or None for other messages
    (FieldMask is built by its caller, which knows the resource beside it)."""
    build = BUILDERS.get(descriptor.full_name)
    return build(message_factory.GetMessageClass(descriptor)) if build else None
