"""Resource names (AIP-122). The tenant is in the name, so scope is known from the request."""

from __future__ import annotations

import re
from dataclasses import dataclass

from privexbot.errors import InvalidArgument

_SEGMENT = r"[a-z0-9][a-z0-9-]{0,62}"
_SEGMENT_RE = re.compile(_SEGMENT)


@dataclass(frozen=True)
class Scope:
    """The organization (and workspace, when the name is inside one) a name belongs to."""

    organization_id: str
    workspace_id: str | None = None


def parse(name: str, pattern: str, field: str = "name") -> list[str]:
    """Ids from ``name`` matching ``pattern``, e.g. ``organizations/*/workspaces/*``.

    A malformed name is the caller's mistake: INVALID_ARGUMENT naming the field.
    """
    parts = name.split("/")
    expected = pattern.split("/")
    ids = []
    if len(parts) == len(expected):
        for part, want in zip(parts, expected, strict=True):
            if want == "*":
                if not _SEGMENT_RE.fullmatch(part):
                    break
                ids.append(part)
            elif part != want:
                break
        else:
            return ids
    raise InvalidArgument.field(
        field, f"must be a resource name like {pattern.replace('*', '{id}')}"
    )


def matches(name: str, pattern: str) -> bool:
    """Whether ``name`` is a resource name of ``pattern``."""
    try:
        parse(name, pattern)
    except InvalidArgument:
        return False
    return True


def scope_of(name: str, field: str = "name") -> Scope:
    """The tenant scope of any name under ``organizations/{org}[/workspaces/{ws}]``."""
    if not name:
        raise InvalidArgument.field(field, "is required")
    parts = name.split("/")
    if len(parts) < 2 or parts[0] != "organizations" or not _SEGMENT_RE.fullmatch(parts[1]):
        raise InvalidArgument.field(field, "must be a resource name under organizations/{id}")
    if len(parts) >= 4 and parts[2] == "workspaces":
        if not _SEGMENT_RE.fullmatch(parts[3]):
            raise InvalidArgument.field(field, "has a malformed workspace id")
        return Scope(parts[1], parts[3])
    return Scope(parts[1])


def organization(org_id: str) -> str:
    return f"organizations/{org_id}"


def workspace(org_id: str, ws_id: str) -> str:
    return f"organizations/{org_id}/workspaces/{ws_id}"


def user(user_id: str) -> str:
    return f"users/{user_id}"
