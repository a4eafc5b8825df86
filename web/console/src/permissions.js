// What the signed-in user may do in the current workspace, computed from their roles with
// the server's own role table (catalog.json, generated from tenancy/roles.py). The console
// hides or disables what a role cannot do; the server refuses it anyway.
import { OrganizationRole, WorkspaceRole } from "@privexbot/client";

import catalog from "./catalog.json";
import { names } from "./format.js";

const ORGANIZATION_ROLE = names(OrganizationRole);
const WORKSPACE_ROLE = names(WorkspaceRole);

/** The role names of `user` in its current context: [organization role, workspace role]. */
export function rolesOf(user) {
  const org = user.memberships.find((each) => each.organization === user.organization);
  const workspace = org?.workspaces.find((each) => each.workspace === user.workspace);
  const orgRole = ORGANIZATION_ROLE[org?.role] ?? "";
  const wsRole = WORKSPACE_ROLE[workspace?.role] ?? "";
  // Organization owners and admins act as workspace admins everywhere (tenancy/roles.py).
  return [orgRole, ["owner", "admin"].includes(orgRole) ? "admin" : wsRole];
}

/**
 * What `user` holds in the current workspace: `can("chatbot.update")`, and `workspace`, the
 * workspace permissions held (an API key may carry only those).
 */
export function grantOf(user) {
  const [orgRole, wsRole] = rolesOf(user);
  const held = new Set([
    ...(catalog.organization_roles[orgRole] ?? []),
    ...(catalog.workspace_roles[wsRole] ?? []),
  ]);
  const workspace = (catalog.workspace_roles[wsRole] ?? []).slice().sort();
  return { can: (permission) => held.has(permission), workspace };
}
