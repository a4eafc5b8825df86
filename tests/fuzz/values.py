"""Hypothesis strategies for single field values, from a field's descriptor and its
``(privexbot.v1.rules)``: the type's whole range, the rules' limits and values just past
them, hostile unicode, resource names and page tokens."""

from __future__ import annotations

import base64
import json
import string

from google.protobuf.descriptor import FieldDescriptor as F
from hypothesis import strategies as st

from privexbot.v1 import options_pb2

NO_RULES = options_pb2.FieldRules()
INT_RANGES = {
    F.TYPE_INT32: (-(2**31), 2**31 - 1),
    F.TYPE_SINT32: (-(2**31), 2**31 - 1),
    F.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    F.TYPE_INT64: (-(2**63), 2**63 - 1),
    F.TYPE_SINT64: (-(2**63), 2**63 - 1),
    F.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    F.TYPE_UINT32: (0, 2**32 - 1),
    F.TYPE_FIXED32: (0, 2**32 - 1),
    F.TYPE_UINT64: (0, 2**64 - 1),
    F.TYPE_FIXED64: (0, 2**64 - 1),
}
# Strings that break naive code: SQL and path metacharacters, templates, numbers, bidi and
# zero-width characters, combining marks, non-BMP characters, very long lines.
SPECIAL_STRINGS = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "%",
    "_",
    "'",
    '"',
    "\\",
    "'; DROP TABLE users; --",
    "..",
    "../..",
    "/",
    "//",
    "*",
    "-",
    "-1",
    "0",
    "1e309",
    "NaN",
    "null",
    "true",
    "{}",
    "[]",
    "{{ 7*7 }}",
    "${x}",
    "%s%n",
    "\u202e\u2066",
    "\u200b",
    "\ufeff",
    "\ufffd",
    "e\u0301",
    "\U0001f600",
    "\U0010ffff",
    "\r\n\t",
    "\u2028",
    "*://*",
    "0.0.0.0/0",
    "::/0",
    "http://127.0.0.1/",
    "javascript:alert(1)",
)
_HOSTILE_CHARS = st.characters(categories=("Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Co", "So"))


def weighted(*choices: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """One of the strategies, in proportion to its weight (``st.one_of`` drops repeated
    branches, so repeating one does not weigh it); shrinks towards the first."""
    pool = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.sampled_from(pool).flatmap(lambda strategy: strategy)


def rules_of(fd: F) -> options_pb2.FieldRules:
    options = fd.GetOptions()
    if options.HasExtension(options_pb2.rules):
        return options.Extensions[options_pb2.rules]
    return NO_RULES


def repeat_to(length: int, unit: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Strings of exactly ``length`` characters (or bytes), made by repeating a short drawn
    unit, so limits of megabytes cost no more to draw than a few characters."""

    def build(piece):
        piece = piece or ("a" if isinstance(piece, str) else b"a")
        return (piece * (length // len(piece) + 1))[:length]

    return unit.map(build)


def lengths(rules) -> list[int]:
    """The lengths a rule makes interesting: its limits and one past them."""
    found = []
    if rules.max_len:
        found += [rules.max_len, rules.max_len + 1]
    if rules.min_len:
        found += [rules.min_len, rules.min_len - 1]
    return found


def text(rules=NO_RULES, extra=()) -> st.SearchStrategy[str]:
    """Any string, weighted to the rules' limits, their patterns and hostile unicode;
    ``extra``: strategies for what this field is meant to hold (names, tokens...)."""
    choices = [
        st.text(max_size=24),
        st.text(_HOSTILE_CHARS, max_size=8),
        st.sampled_from(SPECIAL_STRINGS),
    ]
    for n in lengths(rules):
        choices.append(repeat_to(n, st.text(min_size=1, max_size=3)))
    if not rules.max_len:  # no limit: long strings anyway
        choices.append(repeat_to(70_000, st.sampled_from(["a", "é", "\U0001f600", "a\x00"])))
    if rules.pattern:
        choices.append(st.from_regex(rules.pattern, fullmatch=True).filter(lambda s: len(s) < 200))
    if rules.email:
        choices += [st.emails(), st.sampled_from(EMAILS)]
    return weighted(*((1, c) for c in choices), *((3, e) for e in extra))


EMAILS = (
    "a@b",
    "a@b.c",
    "@example.com",
    "a@@example.com",
    "A@EXAMPLE.COM",
    " a@example.com ",
    "a@xn--bcher-kva.example",
    "a@bücher.example",
    "a@-bad-.example",
    "a@" + "x" * 64 + ".example",
    "a@" + ("x" * 63 + ".") * 4 + "example",
    "a@exa_mple.com",
    "a@[127.0.0.1]",
    '"quoted local"@example.com',
    "a@ex\u200bample.com",
    "a@xn--.example",
    "a@xn--zz.example",
)


def binary(rules=NO_RULES, samples=()) -> st.SearchStrategy[bytes]:
    choices = [st.binary(max_size=64), *(st.just(s) for s in samples)]
    for n in lengths(rules):
        choices.append(repeat_to(n, st.binary(min_size=1, max_size=3)))
    return st.one_of(*choices)


def integers(fd: F, rules=NO_RULES) -> st.SearchStrategy[int]:
    lo, hi = INT_RANGES[fd.type]
    edges = {lo, hi, 0, 1, -1, 2**31 - 1, 2**31, -(2**31) - 1, 2**53 + 1}
    for bound in ("min", "max"):
        if rules.HasField(bound):
            value = int(getattr(rules, bound))
            edges |= {value - 1, value, value + 1}
    edges = sorted(e for e in edges if lo <= e <= hi)
    return st.one_of(st.sampled_from(edges), st.integers(lo, hi))


def floats(fd: F, rules=NO_RULES) -> st.SearchStrategy[float]:
    width = 32 if fd.type == F.TYPE_FLOAT else 64
    edges = [0.0, -0.0, 1.0, -1.0, float("inf"), float("-inf"), float("nan")]
    for bound in ("min", "max"):
        if rules.HasField(bound):
            value = getattr(rules, bound)
            edges += [value, value - 1e-3, value + 1e-3]
    return st.one_of(st.sampled_from(edges), st.floats(width=width))


def enums(fd: F) -> st.SearchStrategy[int]:
    """Declared values, and numbers the contract never declared (proto3 enums are open)."""
    declared = [v.number for v in fd.enum_type.values]
    unknown = st.sampled_from([max(declared) + 1, -1, 2**31 - 1, -(2**31)])
    return st.one_of(st.sampled_from(declared), unknown)


# ---- plausible values: what a well-behaved client sends, so calls reach the handlers -------

_WORDS = st.text(string.ascii_letters + string.digits + " -_.", min_size=1, max_size=16)


def plausible_text(rules=NO_RULES, extra=()) -> st.SearchStrategy[str]:
    """A short ordinary string within the rules, or one of ``extra`` (what the field is
    meant to hold: names, tokens, real values) when there are any."""
    if rules.email:
        return st.builds(
            lambda h: f"fuzz-{h}@example.com", st.text("0123456789abcdef", min_size=6, max_size=10)
        )
    if extra:
        return st.one_of(*extra)
    if rules.pattern:
        fitting = st.from_regex(rules.pattern, fullmatch=True)
        size = rules.max_len or 64
        return fitting.filter(lambda s: rules.min_len <= len(s) <= size)
    size = min(rules.max_len or 16, 16)
    return _WORDS.map(lambda s: s[:size]).filter(lambda s: len(s) >= rules.min_len)


def plausible_int(fd: F, rules=NO_RULES) -> st.SearchStrategy[int]:
    lo = int(rules.min) if rules.HasField("min") else 0
    hi = int(rules.max) if rules.HasField("max") else 100
    return st.integers(lo, max(lo, min(hi, lo + 1000)))


def plausible_float(fd: F, rules=NO_RULES) -> st.SearchStrategy[float]:
    lo = rules.min if rules.HasField("min") else 0.0
    hi = rules.max if rules.HasField("max") else 1.0
    return st.floats(lo, hi, width=32 if fd.type == F.TYPE_FLOAT else 64)


def declared_enums(fd: F) -> st.SearchStrategy[int]:
    named = [v.number for v in fd.enum_type.values]
    return st.sampled_from(sorted(named, key=lambda n: (n == 0, n)))


# ---- page tokens -----------------------------------------------------------------------------


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def page_tokens(real: list[str]) -> st.SearchStrategy[str]:
    """Random tokens, and real ones (issued for some query) cut, flipped, or re-encoded with
    a forged position: the server decodes whatever a client sends."""
    forged_after = st.one_of(text(), st.integers(), st.none(), st.lists(st.integers(), max_size=2))
    choices = [
        st.text(string.ascii_letters + string.digits + "-_=", max_size=60),
        st.binary(max_size=48).map(_b64),
        st.builds(lambda a: _b64(json.dumps({"a": a}).encode()), forged_after),
    ]
    if real:
        tokens = st.sampled_from(real)
        choices += [
            tokens,
            st.builds(lambda t, n: t[:n], tokens, st.integers(0, 40)),
            st.builds(lambda t, c: t[:-1] + c, tokens, st.sampled_from("A_-=/+.")),
            st.builds(_with_position, tokens, forged_after),
        ]
    return st.one_of(*choices)


def _with_position(token: str, after) -> str:
    """``token`` with its position replaced (the query fingerprint kept), if it is JSON."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        payload["a"] = after
    except (ValueError, TypeError, KeyError):
        return token
    return _b64(json.dumps(payload).encode())
