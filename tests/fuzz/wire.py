"""Bytes no protobuf library would write: invalid UTF-8 in any string field (nested too),
fields of unknown numbers, known fields with the wrong wire type, truncated messages."""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.descriptor import Descriptor
from google.protobuf.descriptor import FieldDescriptor as F
from hypothesis import strategies as st

INVALID_UTF8 = (
    b"\xff",
    b"\xc3\x28",
    b"\xed\xa0\x80",  # an encoded surrogate (U+D800)
    b"\xf4\x90\x80\x80",  # past U+10FFFF
    b"\xc0\xaf",  # overlong "/"
    b"organizations/\xe2\x82",  # cut mid-character
    b"a\x00\xff",
)
WIRE_VARINT, WIRE_FIXED64, WIRE_LEN, WIRE_FIXED32 = 0, 1, 2, 5


def varint(n: int) -> bytes:
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def tag(number: int, wire_type: int) -> bytes:
    return varint(number << 3 | wire_type)


def length_delimited(number: int, payload: bytes) -> bytes:
    return tag(number, WIRE_LEN) + varint(len(payload)) + payload


def string_paths(descriptor: Descriptor, depth: int = 3) -> list[tuple[int, ...]]:
    """Field-number paths to every string field (through singular and repeated messages,
    not maps or well-known types), up to ``depth`` deep."""
    found = []
    for fd in descriptor.fields:
        if fd.type == F.TYPE_STRING:
            found.append((fd.number,))
        elif (
            fd.type == F.TYPE_MESSAGE
            and depth > 1
            and fd.message_type.full_name.startswith("privexbot.")
        ):
            found += [(fd.number, *rest) for rest in string_paths(fd.message_type, depth - 1)]
    return found


def _nested(path: tuple[int, ...], leaf: bytes) -> bytes:
    payload = length_delimited(path[-1], leaf)
    for number in reversed(path[:-1]):
        payload = length_delimited(number, payload)
    return payload


def _wrong_type(fd: F) -> bytes:
    if fd.type in (F.TYPE_STRING, F.TYPE_BYTES, F.TYPE_MESSAGE) or fd.is_repeated:
        return tag(fd.number, WIRE_FIXED32) + b"\x00" * 4
    return length_delimited(fd.number, b"\xff" * 3)


@dataclass(frozen=True)
class Mutation:
    """One change to a request's bytes, printed readably in a falsifying example."""

    kind: str
    data: bytes = b""
    number: int = 0

    def __call__(self, raw: bytes) -> bytes:
        if self.kind == "append":
            return raw + self.data
        if self.kind == "truncate":
            return raw[: max(len(raw) - self.number, 0)] + self.data
        return self.data  # "replace"


def mutations(descriptor: Descriptor) -> st.SearchStrategy[Mutation]:
    """Changes turning a serialized request into bytes only a hostile client sends."""
    unknown = st.builds(
        lambda n, v: tag(n, WIRE_VARINT) + varint(v),
        st.integers(1000, 2**29 - 1),
        st.integers(0, 2**64 - 1),
    )
    choices = [
        unknown.map(lambda extra: Mutation("append", extra)),
        st.integers(0, 64).map(lambda n: Mutation("truncate", b"\x0a\xff", n)),
        st.binary(min_size=1, max_size=32).map(lambda junk: Mutation("replace", junk)),
    ]
    paths = string_paths(descriptor)
    if paths:
        bad = st.builds(_nested, st.sampled_from(paths), st.sampled_from(INVALID_UTF8))
        choices.append(bad.map(lambda extra: Mutation("append", extra)))
    if descriptor.fields:
        wrong = st.sampled_from(list(descriptor.fields)).map(_wrong_type)
        choices.append(wrong.map(lambda extra: Mutation("append", extra)))
    return st.one_of(*choices)
