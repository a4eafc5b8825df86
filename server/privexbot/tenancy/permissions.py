"""The permission catalog and what each role grants.

Every ``(privexbot.v1.access).permission`` in the protos must be in ``CATALOG`` (a test
checks). Organization owners and admins act as workspace admins in every workspace.
"""

from __future__ import annotations

from dataclasses import dataclass

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

_VIEWER = frozenset(
    {
        "workspace.read",
        "member.read",
        "chatbot.read",
        "chatbot.chat",
        "chatflow.read",
        "chatflow.execute",
        "knowledge.read",
        "inference.use",
    }
)
_EDITOR = _VIEWER | {
    "chatbot.create",
    "chatbot.update",
    "chatbot.publish",
    "chatflow.create",
    "chatflow.update",
    "knowledge.create",
    "knowledge.update",
    "analytics.read",
}
_WORKSPACE_ADMIN = WORKSPACE_PERMISSIONS

WORKSPACE_ROLES: dict[str, frozenset[str]] = {
    "admin": _WORKSPACE_ADMIN,
    "editor": frozenset(_EDITOR),
    "viewer": _VIEWER,
}

ORGANIZATION_ROLES: dict[str, frozenset[str]] = {
    "owner": ORGANIZATION_PERMISSIONS,
    "admin": ORGANIZATION_PERMISSIONS - {"organization.delete", "organization.billing"},
    "member": frozenset({"organization.read", "member.read"}),
}

# Strongest first: nobody grants a role above their own.
ORGANIZATION_ROLE_RANK = {"owner": 0, "admin": 1, "member": 2}
WORKSPACE_ROLE_RANK = {"admin": 0, "editor": 1, "viewer": 2}


def granted(org_role: str, workspace_role: str | None) -> frozenset[str]:
    """What a member holds in an organization, or in one of its workspaces."""
    perms = ORGANIZATION_ROLES[org_role]
    if org_role in ("owner", "admin"):
        workspace_role = "admin"
    if workspace_role:
        perms = perms | WORKSPACE_ROLES[workspace_role]
    return perms


@dataclass(frozen=True)
class Grant:
    """What the caller holds in the scope of a call: permissions and, for members, roles
    (the effective workspace role: owners and admins are workspace admins)."""

    permissions: frozenset[str]
    organization_role: str = ""
    workspace_role: str = ""


NO_GRANT = Grant(frozenset())
