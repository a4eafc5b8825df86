"""The permission catalog, and the grant a call holds (what authorization resolved).

Every ``(privexbot.v1.access).permission`` and ``(rules).permission`` in the protos must be
in ``CATALOG`` (a test checks). What each role holds is tenancy's (``tenancy/roles.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from privexbot.kernel.errors import InvalidArgument

ORGANIZATION_PERMISSIONS = frozenset(
    {
        "organization.read",
        "organization.update",
        "organization.delete",
        # Billing fields (billing email, later the plan): owners only.
        "organization.billing",
        "workspace.create",
        "member.read",
        "member.update",
        "member.invite",
        "audit.read",
        "usage.read",
    }
)

WORKSPACE_PERMISSIONS = frozenset(
    {
        "workspace.read",
        "workspace.update",
        "workspace.delete",
        "chatbot.create",
        "chatbot.read",
        "chatbot.update",
        "chatbot.delete",
        "chatbot.publish",
        "chatbot.chat",
        "chatflow.create",
        "chatflow.read",
        "chatflow.update",
        "chatflow.delete",
        "chatflow.execute",
        "knowledge.create",
        "knowledge.read",
        "knowledge.update",
        "knowledge.delete",
        "apikey.create",
        "apikey.read",
        "apikey.revoke",
        "analytics.read",
        "inference.use",
        "member.read",
        "member.update",
    }
)

CATALOG = ORGANIZATION_PERMISSIONS | WORKSPACE_PERMISSIONS


def workspace_permissions(permissions, field: str, holder: str, reason: str) -> list[str]:
    """``permissions`` sorted, once each, when every one is a workspace permission of the
    catalog (``holder``, an API key or a role, acts in one workspace); INVALID_ARGUMENT
    naming ``field`` otherwise, with ``reason`` for an organization permission."""
    unknown = sorted(set(permissions) - CATALOG)
    if unknown:
        raise InvalidArgument.field(field, f"unknown permissions: {', '.join(unknown)}")
    organization_level = sorted(set(permissions) - WORKSPACE_PERMISSIONS)
    if organization_level:
        raise InvalidArgument.field(
            field,
            f"{holder} acts in one workspace; organization permissions cannot be"
            f" granted to it: {', '.join(organization_level)}",
            reason,
        )
    return sorted(set(permissions))


@dataclass(frozen=True)
class Grant:
    """What the caller holds in the scope of a call: permissions and, for members, roles
    (the effective workspace role: owners and admins are workspace admins)."""

    permissions: frozenset[str]
    organization_role: str = ""
    workspace_role: str = ""
    # The version stamps (user's, organization's) the roles were read under: a view of the
    # organization cached under the same organization stamp is current (store/stamps.py).
    stamps: tuple[str, ...] = ()


NO_GRANT = Grant(frozenset())
