"""Between domain values and protobuf messages: times, enums, and messages packed from
domain views."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime
from functools import cache

from google.protobuf.timestamp_pb2 import Timestamp

from privexbot.kernel.errors import InvalidArgument
from privexbot.v1 import common_pb2


def timestamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    ts = Timestamp()
    ts.FromDatetime(value.astimezone(UTC))
    return ts


def from_timestamp(message, field: str) -> datetime | None:
    """The datetime in ``message.field`` if set (proto3 messages track presence)."""
    if not message.HasField(field):
        return None
    return getattr(message, field).ToDatetime(tzinfo=UTC)


class EnumNames:
    """A proto enum's values by the domain's names: ``ORGANIZATION_ROLE_OWNER`` is "owner"
    (the prefix its UNSPECIFIED value carries dropped, lower case; AIP-126)."""

    def __init__(self, enum_type) -> None:
        descriptor = getattr(enum_type, "DESCRIPTOR", enum_type)
        prefix = descriptor.values_by_number[0].name.removesuffix("UNSPECIFIED")
        self.numbers = {
            v.name.removeprefix(prefix).lower(): v.number for v in descriptor.values if v.number
        }
        self.names = {number: name for name, number in self.numbers.items()}
        self._values = ", ".join(v.name for v in descriptor.values if v.number)

    def number(self, name: str) -> int:
        """The value of a domain name (0, unspecified, for none)."""
        return self.numbers.get(name, 0)

    def name(self, number: int, field: str) -> str:
        """The domain name of a request's value; INVALID_ARGUMENT naming ``field`` if none."""
        if number not in self.names:
            raise InvalidArgument.field(field, f"must be one of {self._values}")
        return self.names[number]


enum_names = cache(EnumNames)
ORGANIZATION_ROLES = enum_names(common_pb2.OrganizationRole)
WORKSPACE_ROLES = enum_names(common_pb2.WorkspaceRole)

# AIP time fields and the domain's names for the same moments.
TIMES = {
    "create_time": "created_at",
    "update_time": "updated_at",
    "expire_time": "expires_at",
    "ready_time": "ready_at",
    "publish_time": "published_at",
    "last_used_time": "last_used_at",
    "revoke_time": "revoked_at",
    "trial_end_time": "trial_ends_at",
    "check_time": "checked_at",
    "event_time": "created_at",
}


@cache
def _plan(message_type, view_type) -> tuple[tuple[str, str | None, EnumNames | None], ...]:
    """(message field, the view's attribute that fills it or None, its enum's names)."""
    view_names = {f.name for f in fields(view_type)} | {
        n for n in dir(view_type) if isinstance(getattr(view_type, n), property)
    }
    plan = []
    for field in message_type.DESCRIPTOR.fields:
        source = field.name if field.name in view_names else TIMES.get(field.name)
        enum = enum_names(field.enum_type) if field.enum_type is not None else None
        plan.append((field.name, source if source in view_names else None, enum))
    return tuple(plan)


def pack(message_type, view, **values):
    """A ``message_type`` from a domain view: each field from ``values``, else from the view's
    attribute of the same name (or the domain's name of an AIP time field); datetimes become
    Timestamps, and an enum field takes its value by the domain's name ("owner")."""
    given = {}
    for field, source, enum in _plan(message_type, type(view)):
        if field in values:
            value = values[field]
        elif source is not None:
            value = getattr(view, source)
        else:
            continue
        if value is None:
            continue
        if isinstance(value, datetime):
            value = timestamp(value)
        elif enum is not None and isinstance(value, str):
            value = enum.number(value)
        given[field] = value
    return message_type(**given)
