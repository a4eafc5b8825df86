// The organization's members (role, remove), the current workspace's members (role), and
// invitations (by email, with a role in the organization and in this workspace; the link
// shown once; pending ones revoked). What the caller's role cannot do is not offered.
import {
  Invitation_State,
  OrganizationRole,
  WorkspaceRole,
  type CurrentUser,
  type Invitation,
  type OrganizationMember,
  type WorkspaceMember,
} from "@privexbot/client";
import { useCallback, useState, type FormEvent } from "react";

import { useAction, useReload } from "./action";
import { names, when, text } from "./format";
import type { Can } from "./permissions";
import { call, client } from "./session";
import { TableHead } from "./Table";

const ORG_ROLE = names(OrganizationRole);
const WS_ROLE = names(WorkspaceRole);
const INVITATION = names(Invitation_State);
const roles = (table: Record<number, string>) => Object.entries(table).filter(([value]) => Number(value) > 0);

/** The link an invitee opens to accept (the console's accept screen). */
export const invitationLink = (token: string) => `${window.location.origin}/console/#invitation=${token}`;

export function Members({ user, can }: { user: CurrentUser; can: Can }) {
  const organization = user.organization;
  const [members, setMembers] = useState<OrganizationMember[]>([]);
  const [wsMembers, setWsMembers] = useState<WorkspaceMember[]>([]);
  const [invitations, setInvitations] = useState<Invitation[]>([]);
  const [link, setLink] = useState("");
  const [error, act] = useAction();
  const me = user.user?.name;

  const load = useCallback(
    () =>
      act(async () => {
        setMembers((await call(() => client.tenant.listOrganizationMembers({ parent: organization }))).members);
        setWsMembers((await call(() => client.tenant.listWorkspaceMembers({ parent: user.workspace }))).members);
        if (can("member.invite"))
          setInvitations((await call(() => client.tenant.listInvitations({ parent: organization }))).invitations);
      }),
    [act, can, organization, user.workspace],
  );
  const change = useReload(act, load);

  const invite = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const wsRole = Number(text(form, "workspaceRole"));
    act(async () => {
      const made = await call(() =>
        client.tenant.createInvitation({
          parent: organization,
          invitation: {
            email: text(form, "email"),
            role: Number(text(form, "role")),
            workspaces: wsRole ? [{ workspace: user.workspace, role: wsRole }] : [],
          },
        }),
      );
      setLink(invitationLink(made.token));
      formElement.reset();
      await load();
    });
  };

  const editable = can("member.update");
  return (
    <section aria-labelledby="members-title">
      <h1 id="members-title">Members</h1>
      {error && <p role="alert">{error}</p>}
      <table>
        <TableHead caption="Organization members" columns={["Name", "Email", "Role", "Joined"]} actions />
        <tbody>
          {members.map((member) => (
            <tr key={member.name}>
              <td>
                {member.displayName} {member.user === me && "(you)"}
              </td>
              <td>{member.email}</td>
              <td>
                <RoleSelect
                  label={`Organization role of ${member.email}`}
                  table={ORG_ROLE}
                  value={member.role}
                  disabled={!editable || member.user === me}
                  onChange={(role) =>
                    change(() =>
                      client.tenant.updateOrganizationMember({ member: { name: member.name, role }, updateMask: { paths: ["role"] } }),
                    )
                  }
                />
              </td>
              <td>{when(member.createTime)}</td>
              <td>
                {editable && member.user !== me && (
                  <button
                    aria-label={`Remove ${member.email}`}
                    onClick={() => change(() => client.tenant.removeOrganizationMember({ name: member.name }))}
                  >
                    Remove
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <table>
        <TableHead caption="Members of this workspace" columns={["Name", "Email", "Workspace role"]} />
        <tbody>
          {wsMembers.map((member) => (
            <tr key={member.name}>
              <td>{member.displayName}</td>
              <td>{member.email}</td>
              <td>
                <RoleSelect
                  label={`Workspace role of ${member.email}`}
                  table={WS_ROLE}
                  value={member.role}
                  disabled={!editable || member.user === me}
                  onChange={(role) =>
                    change(() =>
                      client.tenant.updateWorkspaceMember({ member: { name: member.name, role }, updateMask: { paths: ["role"] } }),
                    )
                  }
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {can("member.invite") && (
        <>
          <h2>Invitations</h2>
          <form onSubmit={invite} aria-label="Invite someone">
            <label>
              Invitee email
              <input name="email" type="email" required maxLength={254} />
            </label>
            <label>
              Organization role
              <select name="role" defaultValue={OrganizationRole.MEMBER}>
                {roles(ORG_ROLE).map(([value, name]) => (
                  <option key={value} value={value}>
                    {name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Role in this workspace
              <select name="workspaceRole" defaultValue={WorkspaceRole.VIEWER}>
                <option value={0}>none</option>
                {roles(WS_ROLE).map(([value, name]) => (
                  <option key={value} value={value}>
                    {name}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit">Invite</button>
          </form>
          {link && (
            <section aria-labelledby="link-title" className="notice">
              <h3 id="link-title">Invitation link (shown once)</h3>
              <code data-testid="invitation-link">{link}</code>
              <div className="row">
                <button onClick={() => navigator.clipboard?.writeText(link)}>Copy link</button>
                <button onClick={() => setLink("")}>I have sent it</button>
              </div>
            </section>
          )}
          <table>
            <TableHead caption="Invitations" columns={["Invitee", "Role", "State", "Expires"]} actions />
            <tbody>
              {invitations.map((invitation) => (
                <tr key={invitation.name}>
                  <td>{invitation.email || invitation.walletAddress}</td>
                  <td>{ORG_ROLE[invitation.role]}</td>
                  <td>{INVITATION[invitation.state]}</td>
                  <td>{when(invitation.expireTime)}</td>
                  <td>
                    {invitation.state === Invitation_State.PENDING && (
                      <button
                        aria-label={`Revoke the invitation of ${invitation.email}`}
                        onClick={() => change(() => client.tenant.revokeInvitation({ name: invitation.name }))}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

interface RoleSelectProps<Role extends number> {
  label: string;
  table: Record<number, string>;
  value: Role;
  disabled: boolean;
  onChange: (role: Role) => void;
}

function RoleSelect<Role extends number>({ label, table, value, disabled, onChange }: RoleSelectProps<Role>) {
  return (
    <select aria-label={label} value={value} disabled={disabled} onChange={(event) => onChange(Number(event.target.value) as Role)}>
      {roles(table).map(([option, name]) => (
        <option key={option} value={option}>
          {name}
        </option>
      ))}
    </select>
  );
}
