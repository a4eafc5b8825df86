"""Request validation from the contract: ``(privexbot.v1.rules)`` field options.

A validator is compiled once per message type from its descriptor; it walks set message
fields recursively and reports every violation at once, with dotted field paths.
"""

from __future__ import annotations

import re
from functools import cache

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from privexbot.errors import FieldViolation, InvalidArgument
from privexbot.v1 import options_pb2

_MESSAGE = FieldDescriptor.TYPE_MESSAGE
_NUMERIC = {
    FieldDescriptor.TYPE_INT32,
    FieldDescriptor.TYPE_INT64,
    FieldDescriptor.TYPE_UINT32,
    FieldDescriptor.TYPE_UINT64,
    FieldDescriptor.TYPE_SINT32,
    FieldDescriptor.TYPE_SINT64,
    FieldDescriptor.TYPE_DOUBLE,
    FieldDescriptor.TYPE_FLOAT,
    FieldDescriptor.TYPE_FIXED32,
    FieldDescriptor.TYPE_FIXED64,
    FieldDescriptor.TYPE_SFIXED32,
    FieldDescriptor.TYPE_SFIXED64,
}


def is_repeated(fd: FieldDescriptor) -> bool:
    return fd.is_repeated if hasattr(fd, "is_repeated") else fd.label == fd.LABEL_REPEATED


def _field_check(fd: FieldDescriptor, rules: options_pb2.FieldRules):
    name = fd.name
    pattern = re.compile(rules.pattern) if rules.pattern else None
    enum_values = (
        frozenset(v.number for v in fd.enum_type.values)
        if fd.type == FieldDescriptor.TYPE_ENUM
        else None
    )
    repeated = is_repeated(fd)
    is_message = fd.type == _MESSAGE and not repeated
    is_map = repeated and fd.type == _MESSAGE and fd.message_type.GetOptions().map_entry
    # Messages and proto3 `optional` scalars: unset means "use the default", so skip checks.
    tracks_presence = not repeated and fd.has_presence

    def check(message, path: str, out: list[FieldViolation]) -> None:
        where = path + name
        if tracks_presence and not message.HasField(name):
            if rules.required:
                out.append(FieldViolation(where, "is required"))
            return
        if is_message:
            return
        value = getattr(message, name)
        if repeated:
            if rules.required and not len(value):
                out.append(FieldViolation(where, "is required"))
            if rules.max_items and len(value) > rules.max_items:
                out.append(FieldViolation(where, f"has more than {rules.max_items} items"))
            elif is_map:
                for key, item in value.items():
                    check_value(key, f"{where}[{key!r}] key", out)
                    check_value(item, f"{where}[{key!r}]", out)
            elif fd.type != _MESSAGE:
                for i, item in enumerate(value):
                    check_value(item, f"{where}[{i}]", out)
            return
        if rules.required and not value:
            out.append(FieldViolation(where, "is required"))
            return
        check_value(value, where, out)

    def check_value(value, where: str, out: list[FieldViolation]) -> None:
        if enum_values is not None and value not in enum_values:
            out.append(FieldViolation(where, f"has an unknown value {value}"))
        if isinstance(value, str | bytes):
            if rules.max_len and len(value) > rules.max_len:
                unit = "characters" if isinstance(value, str) else "bytes"
                out.append(FieldViolation(where, f"is longer than {rules.max_len} {unit}"))
            if value and rules.min_len and len(value) < rules.min_len:
                out.append(FieldViolation(where, f"is shorter than {rules.min_len}"))
            if value and pattern is not None and not pattern.fullmatch(value):
                out.append(FieldViolation(where, f"must match {rules.pattern}"))
        elif fd.type in _NUMERIC:
            if rules.HasField("min") and value < rules.min:
                out.append(FieldViolation(where, f"must be at least {rules.min:g}"))
            if rules.HasField("max") and value > rules.max:
                out.append(FieldViolation(where, f"must be at most {rules.max:g}"))

    return check


def _nested_check(fd: FieldDescriptor, validate_child):
    name = fd.name
    if is_repeated(fd):
        if fd.message_type.GetOptions().map_entry:
            return None

        def check_items(message, path, out):
            for i, item in enumerate(getattr(message, name)):
                validate_child(item, f"{path}{name}[{i}].", out)

        return check_items

    def check_child(message, path, out):
        if message.HasField(name):
            validate_child(getattr(message, name), f"{path}{name}.", out)

    return check_child


def _partial(rules: options_pb2.FieldRules) -> options_pb2.FieldRules:
    relaxed = options_pb2.FieldRules()
    relaxed.CopyFrom(rules)
    relaxed.required = False
    return relaxed


@cache
def _validator(descriptor: Descriptor, partial: bool = False):
    """``partial``: the resource of an update (AIP-134): only the fields named in the
    update mask change, so "required" is not enforced there; limits still are."""
    checks = []
    is_update = "update_mask" in descriptor.fields_by_name
    for fd in descriptor.fields:
        options = fd.GetOptions()
        if options.HasExtension(options_pb2.rules):
            rules = options.Extensions[options_pb2.rules]
            checks.append(_field_check(fd, _partial(rules) if partial else rules))
        if fd.type == _MESSAGE and fd.message_type.full_name.startswith("privexbot."):
            child_partial = partial or (is_update and fd.name != "update_mask")
            nested = _nested_check(
                fd, lambda m, p, o, d=fd.message_type, x=child_partial: _validator(d, x)(m, p, o)
            )
            if nested is not None:
                checks.append(nested)

    def validate(message, path: str, out: list[FieldViolation]) -> None:
        for check in checks:
            check(message, path, out)

    return validate


def violations(message) -> list[FieldViolation]:
    out: list[FieldViolation] = []
    _validator(message.DESCRIPTOR)(message, "", out)
    return out


def validate(message) -> None:
    found = violations(message)
    if found:
        raise InvalidArgument(
            "INVALID_ARGUMENT",
            "; ".join(f"{v.field} {v.description}" for v in found),
            violations=found,
        )
