"""What each role grants. Organization owners and admins act as workspace admins in every
workspace; nobody grants or changes a role above their own (the organization ranks; in a
workspace, a role holding a permission the granter lacks). Besides the built-in workspace
roles, an organization defines custom ones (``custom_roles.py``)."""

from __future__ import annotations

from privexbot.kernel.permissions import ORGANIZATION_PERMISSIONS, WORKSPACE_PERMISSIONS

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

# A workspace membership whose permissions are those of an organization's custom role.
CUSTOM = "custom"


def granted(org_role: str, workspace_role: str | None, custom_permissions=()) -> frozenset[str]:
    """What a member holds in an organization, or in one of its workspaces
    (``custom_permissions``: those of the custom role held there, when it is one)."""
    perms = ORGANIZATION_ROLES[org_role]
    if org_role in ("owner", "admin"):
        workspace_role = "admin"
    if workspace_role == CUSTOM:
        # A permission since dropped from the catalog grants nothing.
        perms = perms | (frozenset(custom_permissions or ()) & WORKSPACE_PERMISSIONS)
    elif workspace_role:
        perms = perms | WORKSPACE_ROLES[workspace_role]
    return perms
