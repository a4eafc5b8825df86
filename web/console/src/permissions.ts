// What the signed-in user may do in the current workspace, computed from their roles with
// the server's own role table (catalog.json, generated from tenancy/roles.py). The console
// hides or disables what a role cannot do; the server refuses it anyway.
import { OrganizationRole, WorkspaceRole, type CurrentUser } from "@privexbot/client";

import catalog from "./catalog.json";
import { names } from "./format";

const ORGANIZATION_ROLE = names(OrganizationRole);
const WORKSPACE_ROLE = names(WorkspaceRole);

/** The role names of `user` in its current context: [organization role, workspace role]. */
export function rolesOf(user: CurrentUser): [string, string] {
  const org = user.memberships.find((each) => each.organization === user.organization);
  const workspace = org?.workspaces.find((each) => each.workspace === user.workspace);
  const orgRole = (org && ORGANIZATION_ROLE[org.role]) ?? "";
  const wsRole = (workspace && WORKSPACE_ROLE[workspace.role]) ?? "";
  // Organization owners and admins act as workspace admins everywhere (tenancy/roles.py).
  return [orgRole, ["owner", "admin"].includes(orgRole) ? "admin" : wsRole];
}

/**
 * What `user` holds in the current workspace: `can("chatbot.update")`, and `workspace`, the
 * workspace permissions held (an API key may carry only those).
 */
/** Whether the signed-in user holds a permission in the current workspace. */
export type Can = (permission: string) => boolean;

export interface Grant {
  can: Can;
  workspace: string[];
}

const ORGANIZATION_ROLES: Record<string, string[]> = catalog.organization_roles;
const WORKSPACE_ROLES: Record<string, string[]> = catalog.workspace_roles;

export function grantOf(user: CurrentUser): Grant {
  const [orgRole, wsRole] = rolesOf(user);
  const held = new Set([
    ...(ORGANIZATION_ROLES[orgRole] ?? []),
    ...(WORKSPACE_ROLES[wsRole] ?? []),
  ]);
  const workspace = (WORKSPACE_ROLES[wsRole] ?? []).slice().sort();
  return { can: (permission: string) => held.has(permission), workspace };
}
