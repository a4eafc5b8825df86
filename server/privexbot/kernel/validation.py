"""Request validation from the contract: ``(privexbot.v1.rules)`` field options.

A validator is compiled once per message type from its descriptor; it walks set message
fields recursively and reports every violation at once, with dotted field paths. Every
string, with rules or not, is refused if it holds a NUL character (PostgreSQL cannot store
one); no description echoes more than a short prefix of the input.
"""

from __future__ import annotations

import re
from functools import cache

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from privexbot.kernel import emails
from privexbot.kernel.errors import FieldViolation, InvalidArgument
from privexbot.v1 import options_pb2

_MESSAGE = FieldDescriptor.TYPE_MESSAGE
_STRING = FieldDescriptor.TYPE_STRING
_NO_RULES = options_pb2.FieldRules()
SHOWN_KEY_LENGTH = 32
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


def is_map(fd: FieldDescriptor) -> bool:
    return is_repeated(fd) and fd.type == _MESSAGE and fd.message_type.GetOptions().map_entry


def shown(key: str) -> str:
    """A map key as a field path shows it: quoted, and cut short (keys can be huge)."""
    return repr(key if len(key) <= SHOWN_KEY_LENGTH else key[:SHOWN_KEY_LENGTH] + "…")


def _holds_strings(fd: FieldDescriptor) -> bool:
    if fd.type == _STRING:
        return True
    if is_map(fd):
        entry = fd.message_type.fields_by_name
        return _STRING in (entry["key"].type, entry["value"].type)
    return False


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
    holds_map = is_map(fd)
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
            elif holds_map:
                for key, item in value.items():
                    check_value(key, f"{where}[{shown(key)}] key", out)
                    check_value(item, f"{where}[{shown(key)}]", out)
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
            if isinstance(value, str) and "\x00" in value:
                out.append(FieldViolation(where, "contains a NUL character"))
            if rules.max_len and len(value) > rules.max_len:
                unit = "characters" if isinstance(value, str) else "bytes"
                out.append(FieldViolation(where, f"is longer than {rules.max_len} {unit}"))
            if value and rules.min_len and len(value) < rules.min_len:
                out.append(FieldViolation(where, f"is shorter than {rules.min_len}"))
            if value and pattern is not None and not pattern.fullmatch(value):
                out.append(FieldViolation(where, f"must match {rules.pattern}"))
            if value and rules.email:
                why = emails.problem(value)
                if why:
                    out.append(FieldViolation(where, why))
        elif fd.type in _NUMERIC:
            if rules.HasField("min") and value < rules.min:
                out.append(FieldViolation(where, f"must be at least {rules.min:g}"))
            if rules.HasField("max") and value > rules.max:
                out.append(FieldViolation(where, f"must be at most {rules.max:g}"))

    return check


# The range RFC 3339 can write (AIP-142): years 0001 to 9999, nanos within a second.
_TIMESTAMP = "google.protobuf.Timestamp"
_MIN_SECONDS, _MAX_SECONDS, _MAX_NANOS = -62135596800, 253402300799, 999_999_999


def _timestamp_check(fd: FieldDescriptor):
    """Set timestamps must be ones a datetime holds (a handler converts them)."""
    name, repeated = fd.name, is_repeated(fd)

    def check(message, path, out):
        if repeated:
            values = list(enumerate(getattr(message, name)))
        else:
            values = [(None, getattr(message, name))] if message.HasField(name) else []
        for i, value in values:
            if not (
                _MIN_SECONDS <= value.seconds <= _MAX_SECONDS and 0 <= value.nanos <= _MAX_NANOS
            ):
                where = path + name + ("" if i is None else f"[{i}]")
                out.append(FieldViolation(where, "is not a time between years 1 and 9999"))

    return check


def _nested_check(fd: FieldDescriptor, validate_child):
    name = fd.name
    if is_repeated(fd):
        if is_map(fd):
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
        elif _holds_strings(fd) or fd.type == FieldDescriptor.TYPE_ENUM:
            # Strings: no NUL. Enums: only declared values (proto3 lets any number through).
            checks.append(_field_check(fd, _NO_RULES))
        if fd.type == _MESSAGE and fd.message_type.full_name == _TIMESTAMP:
            checks.append(_timestamp_check(fd))
        if fd.type == _MESSAGE and fd.message_type.full_name.startswith("privexbot."):
            child_partial = partial or (is_update and fd.name != "update_mask")
            nested = _nested_check(
                fd, lambda m, p, o, d=fd.message_type, x=child_partial: _validator(d, x)(m, p, o)
            )
            if nested is not None:
                checks.append(nested)
    if is_update:
        checks.extend(_kept_required(descriptor))

    def validate(message, path: str, out: list[FieldViolation]) -> None:
        for check in checks:
            check(message, path, out)

    return validate


def _kept_required(descriptor: Descriptor):
    """An update may leave a required field of its resource alone, but not clear it: each
    required field the update mask names must hold a value."""
    for fd in descriptor.fields:
        if fd.type != _MESSAGE or fd.name == "update_mask" or is_repeated(fd):
            continue
        required = {
            child.name
            for child in fd.message_type.fields
            if child.GetOptions().HasExtension(options_pb2.rules)
            and child.GetOptions().Extensions[options_pb2.rules].required
            and not is_repeated(child)
            and child.type != _MESSAGE
        }
        if required:
            yield _mask_keeps(fd.name, required)


def _mask_keeps(resource: str, required: set[str]):
    def check(message, path, out):
        named = set(message.update_mask.paths) & required
        values = getattr(message, resource)
        for field in sorted(named):
            if not getattr(values, field):
                out.append(
                    FieldViolation(f"{path}{resource}.{field}", "is required; it cannot be cleared")
                )

    return check


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
