"""The contract as the descriptor set tells it, for the generators that read it.

``scripts/protoc.sh`` builds ``envoy/privexbot.binpb`` with source info, so the set carries
the protos' comments beside messages, services and their options (``google.api.http``,
``privexbot.v1.access``). ``load()`` indexes it once; ``scripts/openapi.py`` and
``scripts/python_sdk.py`` generate from that index (``make proto``).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from google.api import annotations_pb2, field_behavior_pb2, http_pb2
from google.protobuf import descriptor_pb2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "clients" / "python"))  # this checkout's generated options

from privexbot.v1 import options_pb2  # noqa: E402

DESCRIPTOR_SET = ROOT / "envoy" / "privexbot.binpb"
PACKAGE = "privexbot.v1"
Field = descriptor_pb2.FieldDescriptorProto

# Paths into a FileDescriptorProto (descriptor.proto field numbers), for source comments.
_MESSAGE, _ENUM, _SERVICE = 4, 5, 6
_FIELD, _NESTED, _NESTED_ENUM, _METHOD = 2, 3, 4, 2


@dataclass(frozen=True)
class Message:
    name: str  # full name, e.g. privexbot.v1.KnowledgeBase
    proto: descriptor_pb2.DescriptorProto
    comment: str
    field_comments: dict[str, str]
    module: str  # the Python module of its generated class, e.g. privexbot.v1.knowledge_pb2

    def field(self, name: str) -> Field | None:
        return next((f for f in self.proto.field if f.name == name), None)

    @property
    def is_map_entry(self) -> bool:
        return self.proto.options.map_entry


@dataclass(frozen=True)
class Enum:
    name: str
    values: list[str]
    comment: str


@dataclass(frozen=True)
class Method:
    service: str  # short name, e.g. KnowledgeService
    proto: descriptor_pb2.MethodDescriptorProto
    comment: str

    @property
    def name(self) -> str:
        return self.proto.name

    @property
    def input(self) -> str:
        return self.proto.input_type.lstrip(".")

    @property
    def output(self) -> str:
        return self.proto.output_type.lstrip(".")

    @property
    def http(self) -> http_pb2.HttpRule:
        return self.proto.options.Extensions[annotations_pb2.http]

    @property
    def access(self) -> options_pb2.Access:
        return self.proto.options.Extensions[options_pb2.access]


@dataclass(frozen=True)
class Service:
    name: str
    comment: str
    methods: list[Method]


@dataclass(frozen=True)
class Contract:
    messages: dict[str, Message]
    enums: dict[str, Enum]
    services: list[Service]  # the package's own, in file order


def comment(text: str) -> str:
    """A proto comment as prose: the comment markers' leading space removed."""
    return "\n".join(line.removeprefix(" ") for line in text.strip("\n").split("\n")).strip()


def output_only(field: Field) -> bool:
    return (
        field_behavior_pb2.OUTPUT_ONLY
        in field.options.Extensions[field_behavior_pb2.field_behavior]
    )


def _comments(file: descriptor_pb2.FileDescriptorProto):
    """The comment at a source path of ``file``, as prose ('' where there is none)."""
    found = {tuple(loc.path): loc.leading_comments for loc in file.source_code_info.location}
    return lambda *path: comment(found.get(path, ""))


def _messages(prefix: str, protos, path: tuple):
    """(full name, proto, source path) of each message in ``protos`` and of those nested."""
    for i, message in enumerate(protos):
        name, here = f"{prefix}.{message.name}", (*path, i)
        yield name, message, here
        yield from _messages(name, message.nested_type, (*here, _NESTED))


def load(path: Path = DESCRIPTOR_SET) -> Contract:
    """Every message, enum and service of the descriptor set, with their comments."""
    messages: dict[str, Message] = {}
    enums: dict[str, Enum] = {}
    services: list[Service] = []
    for file in descriptor_pb2.FileDescriptorSet.FromString(path.read_bytes()).file:
        text = _comments(file)
        module = re.sub(r"\.proto$", "_pb2", file.name).replace("/", ".")
        declared_enums = [(file.package, enum, (_ENUM, i)) for i, enum in enumerate(file.enum_type)]
        for name, message, at in _messages(file.package, file.message_type, (_MESSAGE,)):
            fields = {f.name: text(*at, _FIELD, i) for i, f in enumerate(message.field)}
            messages[name] = Message(name, message, text(*at), fields, module)
            declared_enums += [
                (name, enum, (*at, _NESTED_ENUM, i)) for i, enum in enumerate(message.enum_type)
            ]
        for prefix, enum, at in declared_enums:
            name = f"{prefix}.{enum.name}"
            enums[name] = Enum(name, [value.name for value in enum.value], text(*at))
        if file.package != PACKAGE:
            continue
        for i, service in enumerate(file.service):
            methods = [
                Method(service.name, method, text(_SERVICE, i, _METHOD, j))
                for j, method in enumerate(service.method)
            ]
            services.append(Service(service.name, text(_SERVICE, i), methods))
    return Contract(messages, enums, services)
