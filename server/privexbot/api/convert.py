"""Small conversions between domain values and protobuf messages: times and enums."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from privexbot.kernel.errors import InvalidArgument


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
    (the prefix dropped, lower case); the UNSPECIFIED value has no name."""

    def __init__(self, enum_type, prefix: str) -> None:
        self.numbers = {
            v.name.removeprefix(prefix).lower(): v.number
            for v in enum_type.DESCRIPTOR.values
            if v.number
        }
        self.names = {number: name for name, number in self.numbers.items()}
        self._values = ", ".join(v.name for v in enum_type.DESCRIPTOR.values if v.number)

    def number(self, name: str) -> int:
        """The value of a domain name (0, unspecified, for none)."""
        return self.numbers.get(name, 0)

    def name(self, number: int, field: str) -> str:
        """The domain name of a request's value; INVALID_ARGUMENT naming ``field`` if none."""
        if number not in self.names:
            raise InvalidArgument.field(field, f"must be one of {self._values}")
        return self.names[number]
