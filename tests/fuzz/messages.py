"""Hypothesis strategies for the request of any RPC, derived from its input descriptor: every
field of its type and ``(rules)`` (values.py), names where a field holds a resource name
(names.py), repeated fields at and over ``max_items``, nested messages, oneofs and the
well-known types (wellknown.py). Each set field is plausible (what a client means to send,
from the pools of real values) or, now and then, hostile (anything the type allows)."""

from __future__ import annotations

from functools import cache

from google.api import field_behavior_pb2, resource_pb2
from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor
from google.protobuf.descriptor import FieldDescriptor as F
from hypothesis import strategies as st

from privexbot.kernel import contract, resources

from . import values, wellknown
from .names import Pools, any_names, pattern_names

MAX_DEPTH = 4
SMALL_COUNTS, FEW = st.integers(0, 3), st.integers(1, 3)
# In a wild request: required fields are mostly set, output-only ones rarely, and a set
# field is hostile one time in three (else plausible).
MOSTLY = st.integers(0, 7).map(lambda n: n != 7)
RARELY = st.integers(0, 7).map(lambda n: n == 7)
HOSTILE = st.integers(0, 2).map(lambda n: n == 2)
# Inline document bytes the parsers see: real text formats and damaged binary ones.
DOCUMENTS = (
    b"# Title\n\nSome text.",
    b"<html><body><h1>x</h1><script>x</script></body></html>",
    b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF",
    b"%PDF-",
    b"PK\x03\x04" + b"\x00" * 26,
    b"PK\x05\x06" + b"\x00" * 18,
    b"\xef\xbb\xbfbom text",
    b"\xff\xfet\x00e\x00x\x00t\x00",
    b"\xc3\x28 invalid utf-8",
)
# Resource types a field holds when its name says so but no resource_reference does.
NAMED_BY_FIELD = {
    "knowledge_bases": "KnowledgeBase",
    "knowledge_base": "KnowledgeBase",
    "documents": "Document",
    "document": "Document",
    "workspace": "Workspace",
    "workspaces": "Workspace",
    "organization": "Organization",
    "user": "User",
    "actor": "User",
    "chatbot": "Chatbot",
    "chatflow": "Chatflow",
    "session": "ChatSession",
}


@cache
def patterns_by_type() -> dict[str, tuple[resources.Pattern, ...]]:
    found: dict[str, list] = {}
    for pattern in resources.patterns():
        found.setdefault(pattern.type, []).append(pattern)
    return {k: tuple(v) for k, v in found.items()}


def name_patterns(fd: F, owner: Descriptor, spec: contract.MethodSpec, where: str):
    """The resource patterns field ``fd`` (at dotted path ``where``) holds; () if none."""
    if where == spec.access.scope_field and spec.scope_patterns:
        return spec.scope_patterns
    by_type = patterns_by_type()
    options = fd.GetOptions()
    if options.HasExtension(resource_pb2.resource_reference):
        ref = options.Extensions[resource_pb2.resource_reference]
        if ref.type in by_type:
            return by_type[ref.type]
        children = by_type.get(ref.child_type, ())
        parents = {p.template.rsplit("/", 2)[0] for p in children}
        return tuple(p for p in resources.patterns() if p.template in parents) or children
    owner_options = owner.GetOptions()
    if fd.name == "name" and owner_options.HasExtension(resource_pb2.resource):
        return by_type.get(owner_options.Extensions[resource_pb2.resource].type, ())
    if fd.name in NAMED_BY_FIELD:
        return by_type.get(resources.TYPE_PREFIX + NAMED_BY_FIELD[fd.name], ())
    if fd.name in ("name", "parent", "resource"):
        return resources.patterns()
    return ()


def _members(oneof, wild: bool) -> st.SearchStrategy:
    """Which member of a oneof is set: one of them (a calm request), or maybe none."""
    return st.sampled_from([*(f.name for f in oneof.fields), *([None] if wild else [])])


def behaves(fd: F, *behaviors) -> bool:
    declared = fd.GetOptions().Extensions[field_behavior_pb2.field_behavior]
    return any(b in declared for b in behaviors)


def output_only(fd: F) -> bool:
    return behaves(fd, field_behavior_pb2.OUTPUT_ONLY)


def is_repeated(fd: F) -> bool:
    return fd.is_repeated


def is_map(fd: F) -> bool:
    return is_repeated(fd) and fd.type == F.TYPE_MESSAGE and fd.message_type.GetOptions().map_entry


class Requests:
    """Builds strategies for the requests of one RPC, knowing what real calls left in
    ``pools``; each strategy is built once (hypothesis validates every new one)."""

    def __init__(self, spec: contract.MethodSpec, pools: Pools) -> None:
        self.spec, self.pools = spec, pools
        self._built: dict = {}

    def _once(self, key, build):
        if key not in self._built:
            self._built[key] = build()
        return self._built[key]

    def strategy(self) -> st.SearchStrategy:
        """Requests that are calm (every field plausible: they reach the handlers) or, as
        often, wild (fields hostile now and then, output-only fields set, required ones
        missing)."""
        return self._once(("request",), lambda: self._request())

    @st.composite
    def _request(draw, self):
        return draw(self._variant(self.spec.input, "", 0, draw(st.booleans())))

    def _variant(self, descriptor: Descriptor, path: str, depth: int, wild: bool):
        if not descriptor.fields:
            return st.builds(message_factory.GetMessageClass(descriptor))
        return self._once(
            (descriptor.full_name, path, depth, wild),
            lambda: self._message(descriptor, path, depth, wild),
        )

    def _nested(self, fd: F, owner: Descriptor, where: str, depth: int):
        """(plausible, hostile) strategies for message field ``fd``."""
        descriptor = fd.message_type
        if descriptor.full_name == "google.protobuf.FieldMask":
            cls = message_factory.GetMessageClass(descriptor)
            return wellknown.field_mask(cls, _resource_fields(owner, fd))
        known = wellknown.pair(descriptor)
        if known is not None:
            return known
        path = where + "."
        return (
            self._variant(descriptor, path, depth + 1, False),
            self._variant(descriptor, path, depth + 1, True),
        )

    @st.composite
    def _message(draw, self, descriptor: Descriptor, path: str, depth: int, wild: bool):
        message = message_factory.GetMessageClass(descriptor)()
        chosen = {
            oneof.name: draw(self._once((oneof.full_name, wild), lambda o=oneof: _members(o, wild)))
            for oneof in descriptor.oneofs
            if not oneof.name.startswith("_")  # proto3 `optional` fields: their own presence
        }
        for fd in descriptor.fields:
            oneof = fd.containing_oneof
            if oneof is not None and oneof.name in chosen and chosen[oneof.name] != fd.name:
                continue
            if fd.type == F.TYPE_MESSAGE and depth >= MAX_DEPTH:
                continue
            where = path + fd.name
            if values.rules_of(fd).required or where == self.spec.access.scope_field:
                present = not wild or draw(MOSTLY)
            elif output_only(fd):
                present = wild and draw(RARELY)
            else:
                present = draw(st.booleans())
            if present:
                hostile = wild and draw(HOSTILE)
                self._fill(draw, message, fd, descriptor, where, depth, hostile)
        return message

    def _fill(self, draw, message, fd: F, owner: Descriptor, where: str, depth, hostile):
        rules = values.rules_of(fd)
        pick = 1 if hostile else 0
        count = draw(self._counts(rules)[pick]) if is_repeated(fd) else 1
        target = getattr(message, fd.name)
        if is_map(fd):
            key_fd, value_fd = (fd.message_type.fields_by_name[k] for k in ("key", "value"))
            keys = self._scalar(key_fd, rules, owner, where)[pick]
            if value_fd.type == F.TYPE_MESSAGE:
                items = self._nested(value_fd, owner, where, depth)[pick]
                for _ in range(count):
                    target[draw(keys)].CopyFrom(draw(items))
            else:
                items = self._scalar(value_fd, rules, owner, where)[pick]
                for _ in range(count):
                    target[draw(keys)] = draw(items)
            return
        if fd.type == F.TYPE_MESSAGE:
            element = self._nested(fd, owner, where, depth)[pick]
        else:
            element = self._scalar(fd, rules, owner, where)[pick]
        if not is_repeated(fd):
            if fd.type == F.TYPE_MESSAGE:
                target.CopyFrom(draw(element))
            else:
                setattr(message, fd.name, draw(element))
            return
        # Many items: a few drawn, the last repeated (cheap to draw, still over the limit).
        items = [draw(element) for _ in range(min(count, 4))]
        items += items[-1:] * (count - len(items))
        if fd.type == F.TYPE_MESSAGE:
            for item in items:
                target.add().CopyFrom(item)
        else:
            target.extend(items)

    def _counts(self, rules):
        """(plausible, hostile) item counts: a few (at least one when required), or the
        limit and one past it."""
        limit = rules.max_items
        plausible = FEW if rules.required else SMALL_COUNTS
        if not limit:
            return plausible, SMALL_COUNTS
        return plausible, self._once(
            ("count", limit), lambda: st.one_of(SMALL_COUNTS, st.sampled_from([limit, limit + 1]))
        )

    def _scalar(self, fd: F, rules, owner: Descriptor, where: str):
        """(plausible, hostile) strategies for scalar field ``fd``."""
        return self._once(
            (fd.full_name, where), lambda: self._build_scalar(fd, rules, owner, where)
        )

    def _build_scalar(self, fd: F, rules, owner: Descriptor, where: str):
        if fd.type == F.TYPE_STRING:
            meant, hostile = self._meant_for(fd, owner, where)
            return values.plausible_text(rules, meant), values.text(rules, hostile)
        if fd.type == F.TYPE_BYTES:
            return st.sampled_from(DOCUMENTS), values.binary(rules, DOCUMENTS)
        if fd.type == F.TYPE_BOOL:
            return st.booleans(), st.booleans()
        if fd.type == F.TYPE_ENUM:
            return values.declared_enums(fd), values.enums(fd)
        if fd.type in (F.TYPE_FLOAT, F.TYPE_DOUBLE):
            return values.plausible_float(fd, rules), values.floats(fd, rules)
        return values.plausible_int(fd, rules), values.integers(fd, rules)

    def _meant_for(self, fd: F, owner: Descriptor, where: str) -> tuple[list, list]:
        """What a string field is meant to hold (real values, names of the right kind, real
        page tokens) and hostile variants of it (names of any shape, forged tokens)."""
        meant, hostile = [], []
        real = self.pools.values.get(fd.name)
        if real:
            meant.append(st.sampled_from(real))
            hostile.append(st.sampled_from(real))
        patterns = name_patterns(fd, owner, self.spec, where)
        if patterns:
            meant.append(pattern_names(patterns, self.pools, real_only=True))
            hostile.append(any_names(self.pools, patterns))
        if fd.name.endswith("page_token"):
            meant.append(st.sampled_from(["", *self.pools.page_tokens]))
            hostile.append(values.page_tokens(self.pools.page_tokens))
        return meant, hostile


def _resource_fields(owner: Descriptor, mask: F) -> list[str]:
    """The field paths an update mask beside a resource may plausibly name: the resource's
    fields a client sets (not output-only, immutable, its name or etag), and one level into
    its messages (``config.display_name``)."""
    fixed = (field_behavior_pb2.OUTPUT_ONLY, field_behavior_pb2.IMMUTABLE)
    found = []
    for fd in owner.fields:
        if fd is mask or fd.type != F.TYPE_MESSAGE or _google(fd.message_type):
            continue
        for child in fd.message_type.fields:
            if behaves(child, *fixed) or child.name in ("name", "etag"):
                continue
            found.append(child.name)
            if child.type == F.TYPE_MESSAGE and not _google(child.message_type):
                found += [f"{child.name}.{g.name}" for g in child.message_type.fields]
    return found


def _google(descriptor: Descriptor) -> bool:
    return descriptor.full_name.startswith("google.")
