"""REST requests for fuzzing through Envoy, from each RPC's ``google.api.http`` bindings:
the drawn request's fields in the path, the JSON body and the query string as the
bindings place them, then made hostile: values of the wrong JSON type, unknown fields,
lone surrogates, invalid UTF-8, numbers no int64 holds, bodies that are no JSON object,
and query strings with bad percent-encoding."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import quote

from google.api import annotations_pb2
from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor as F
from hypothesis import strategies as st

from privexbot.kernel import contract

from .messages import Requests
from .names import Pools
from .values import weighted

_VARIABLE = re.compile(r"\{([a-z_.]+)(?:=([^}]*))?\}")
MARK = "\x01fuzz\x01"
MAX_PARAM = 8192
RAW_VALUES = (
    b"\xff\xfe",
    b'"\xc3\x28"',
    b'"\xed\xa0\x80"',
    b"1e999",
    b"-1e999",
    b"99999999999999999999999",
    b"-0",
    b"0x10",
    b"NaN",
    b"Infinity",
    b"1.5",
    b'"1.5"',
    b'"-9223372036854775809"',
    b'"18446744073709551616"',
    b"[" * 300 + b"]" * 300,
    b'{"a":' * 200 + b"1" + b"}" * 200,
)
WHOLE_BODIES = (
    b"",
    b"{",
    b"[]",
    b"null",
    b"1",
    b'"s"',
    b"\xef\xbb\xbf{}",
    b"\xff\xfe{\x00}\x00",
    b"[" * 100_000,
    b'{"a":' * 5000,
    b'{"":1}',
    b"{}" + b" " * 1000 + b"x",
)
OTHER_TYPES = (
    1,
    -1,
    1.5,
    True,
    None,
    "x",
    "",
    [],
    {},
    [1, "a"],
    {"a": {"b": []}},
    "\ud800x",
    "a" * 100_000,
)
QUERY_EXTRAS = (
    "pageSize=abc",
    "pageSize=1e99",
    "pageSize=-1",
    "page_size=99999999999999999999",
    "unknownParam=1",
    "%zz=1",
    "pageToken=%ff%fe",
    "pageToken=%00",
    "a.b.c=1",
    "=",
    "&&",
    "filter=%E2%80%AE",
)


@dataclass(frozen=True)
class RestCall:
    """One HTTP request, printed readably in a falsifying example."""

    verb: str
    target: bytes  # raw path and query
    body: bytes | None
    content_type: str = "application/json"


def bindings(spec: contract.MethodSpec) -> list[tuple[str, str, str]]:
    """(verb, path template, body) of each of the RPC's HTTP bindings."""
    service = spec.input.file.pool.FindServiceByName(spec.service)
    rule = service.methods_by_name[spec.name].GetOptions().Extensions[annotations_pb2.http]
    found = []
    for binding in (rule, *rule.additional_bindings):
        verb = binding.WhichOneof("pattern")
        if verb and verb != "custom":
            found.append((verb.upper(), getattr(binding, verb), binding.body))
    return found


def to_json(message):
    """The proto3 JSON of ``message``; values JSON cannot carry (a timestamp past year
    9999) are written as the nearest wrong string instead."""
    try:
        return json_format.MessageToDict(message)
    except (ValueError, OverflowError, json_format.Error):
        pass
    if message.DESCRIPTOR.full_name in ("google.protobuf.Timestamp", "google.protobuf.Duration"):
        return f"{message.seconds}.{message.nanos}"
    out = {}
    for fd, value in message.ListFields():
        map_entry = fd.message_type is not None and fd.message_type.GetOptions().map_entry
        if fd.type == F.TYPE_MESSAGE and not map_entry:
            repeated = fd.is_repeated
            out[fd.json_name] = [to_json(v) for v in value] if repeated else to_json(value)
        else:
            alone = type(message)()
            alone.MergeFrom(message)
            for other, _ in alone.ListFields():
                if other.name != fd.name:
                    alone.ClearField(other.name)
            try:
                out.update(json_format.MessageToDict(alone))
            except (ValueError, OverflowError, json_format.Error):
                continue
    return out


def _pop(body: dict, dotted: str, spec: contract.MethodSpec) -> None:
    descriptor, target = spec.input, body
    *parents, last = dotted.split(".")
    for part in parents:
        fd = descriptor.fields_by_name[part]
        target = target.get(fd.json_name)
        if not isinstance(target, dict):
            return
        descriptor = fd.message_type
    target.pop(descriptor.fields_by_name[last].json_name, None)


def fill_path(template: str, message) -> str:
    def value(match: re.Match) -> str:
        field, pattern = match.group(1), match.group(2) or "*"
        given = str(contract.field_value(message, field))
        parts, shape = given.split("/"), pattern.split("/")
        fits = len(parts) == len(shape) and all(
            want == "*" or want == got for want, got in zip(shape, parts, strict=True)
        )
        if fits:
            return "/".join(quote(part, safe="") for part in parts)[:MAX_PARAM]
        return quote(given, safe="/")[:MAX_PARAM]

    return _VARIABLE.sub(value, template)


def _query(values: dict, prefix: str = "") -> list[str]:
    out = []
    for key, value in values.items():
        name = prefix + key
        if isinstance(value, dict):
            if not prefix:
                out += _query(value, name + ".")
        elif isinstance(value, list):
            out += [
                f"{name}={quote(_scalar(v), safe='')}" for v in value if not isinstance(v, dict)
            ]
        else:
            out.append(f"{name}={quote(_scalar(value), safe='')}")
    return out


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _key_paths(value, prefix=()) -> list[tuple]:
    if not isinstance(value, dict):
        return []
    found = []
    for key, item in value.items():
        found.append((*prefix, key))
        found += _key_paths(item, (*prefix, key))
    return found


def _set(body: dict, path: tuple, value) -> None:
    for key in path[:-1]:
        body = body[key]
    body[path[-1]] = value


def _encode(body) -> bytes:
    return json.dumps(body).encode()


BODY_KINDS = st.integers(0, 7)
UNKNOWN_KEYS = st.sampled_from(["x", "@type", "name_", ""])
OTHER_VALUES = st.sampled_from(OTHER_TYPES)
RAW_STRATEGY = st.sampled_from(RAW_VALUES)
WHOLE_STRATEGY = st.sampled_from(WHOLE_BODIES)


@st.composite
def _hostile_body(draw, body):
    """``body`` (a JSON value) as bytes, sometimes made hostile."""
    kind = draw(BODY_KINDS)
    if kind <= 2 or not isinstance(body, dict):
        return _encode(body)
    if kind == 7:
        return draw(WHOLE_STRATEGY)
    paths = _key_paths(body) or [("unknownField",)]
    path = draw(st.sampled_from(paths)) if kind != 3 else (draw(UNKNOWN_KEYS),)
    if kind in (3, 4):
        _set(body, path, draw(OTHER_VALUES))
        return _encode(body)
    _set(body, path, MARK)
    raw = draw(RAW_STRATEGY)
    return _encode(body).replace(json.dumps(MARK).encode(), raw, 1)


CONTENT_TYPES = st.sampled_from(
    ["application/json"] * 6 + ["text/plain", "application/json; charset=latin1", ""]
)
EXTRA_QUERY = weighted((3, st.none()), (1, st.sampled_from(QUERY_EXTRAS)))


def rest_calls(spec: contract.MethodSpec, pools: Pools) -> st.SearchStrategy[RestCall]:
    return _rest_call(spec, st.sampled_from(bindings(spec)), Requests(spec, pools).strategy())


@st.composite
def _rest_call(draw, spec: contract.MethodSpec, binding, messages):
    verb, template, body_field = draw(binding)
    message = draw(messages)
    values = to_json(message)
    for field, _ in (m.groups() for m in _VARIABLE.finditer(template)):
        _pop(values, field, spec)
    path = fill_path(template, message)
    body, query = None, {}
    if body_field == "*":
        body = values
    elif body_field:
        json_name = spec.input.fields_by_name[body_field].json_name
        body = values.pop(json_name, {})
        query = values
    else:
        query = values
    # Long values stay long but the whole line fits in what an HTTP client will send.
    params = [p[:MAX_PARAM] for p in _query(query)]
    extra = draw(EXTRA_QUERY)
    if extra:
        params.append(extra)
    target = path + ("?" + "&".join(params) if params else "")
    raw = draw(_hostile_body(body)) if body is not None else None
    return RestCall(verb, target.encode(), raw, draw(CONTENT_TYPES))
