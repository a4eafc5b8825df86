// The console's shell: the sign-in screen, the "session ended" screen, an invitation's
// accept screen (a link /console/#invitation=TOKEN), and once signed in the top bar
// (organization and workspace switcher, the role, log out) over the pages the role may see.
import { useCallback, useEffect, useMemo, useState, type ChangeEvent } from "react";

import type { CurrentUser } from "@privexbot/client";

import { Audit } from "./Audit";
import { Chatbots } from "./Chatbots";
import { Dashboard } from "./Dashboard";
import { Flows } from "./Flows";
import { Keys } from "./Keys";
import { Knowledge } from "./Knowledge";
import { Members } from "./Members";
import { grantOf, rolesOf } from "./permissions";
import { Profile } from "./Profile";
import { SignIn } from "./SignIn";
import { call, clear, client, load, message, replaceAccessToken, SessionEnded } from "./session";

export function App() {
  const [state, setState] = useState(() => (load() ? "loading" : "signed-out"));
  const [user, setUser] = useState<CurrentUser | null>(null);
  const [error, setError] = useState("");
  const [page, setPage] = useState("dashboard");
  const [invitation, setInvitation] = useState(() => invitationToken());
  const grant = useMemo(() => (user ? grantOf(user) : null), [user]);

  const refreshUser = useCallback(async () => {
    try {
      setUser(await call(() => client.auth.getCurrentUser({})));
      setState("signed-in");
    } catch (caught) {
      if (caught instanceof SessionEnded) setState("ended");
      else setError(message(caught));
    }
  }, []);

  useEffect(() => {
    if (state === "loading") refreshUser();
  }, [state, refreshUser]);

  const logOut = async () => {
    const stored = load();
    try {
      if (stored?.refreshToken) await client.auth.logOut({ refreshToken: stored.refreshToken });
    } finally {
      clear();
      setUser(null);
      setState("signed-out");
    }
  };

  if (state === "signed-out") return <SignIn onSignedIn={() => setState("loading")} />;
  if (state === "ended")
    return (
      <main>
        <section className="card" aria-labelledby="ended-title">
          <h1 id="ended-title">Your session has ended</h1>
          <p>You were signed out (logged out elsewhere, or the session was revoked or expired).</p>
          <button onClick={() => setState("signed-out")}>Sign in again</button>
        </section>
      </main>
    );
  if (!user || !grant) return <main>{error ? <p role="alert">{error}</p> : <p aria-busy="true">Loading…</p>}</main>;
  if (invitation)
    return (
      <AcceptInvitation
        token={invitation}
        onDone={async () => {
          window.history.replaceState(null, "", window.location.pathname);
          setInvitation("");
          await refreshUser();
        }}
      />
    );
  const { can } = grant;
  const [orgRole, wsRole] = rolesOf(user);
  const sections: [string, string, boolean][] = [
    ["dashboard", "Dashboard", true],
    ["knowledge", "Knowledge", can("knowledge.read")],
    ["chatbots", "Chatbots", can("chatbot.read")],
    ["chatflows", "Chatflows", can("chatflow.read")],
    ["keys", "API keys", can("apikey.read")],
    ["members", "Members", can("member.read")],
    ["audit", "Audit log", can("audit.read")],
    ["profile", "Profile", true],
  ];
  const pages = sections.filter(([, , allowed]) => allowed);
  const shown = pages.some(([value]) => value === page) ? page : "dashboard";
  return (
    <>
      <header className="bar">
        <span className="brand">PrivexBot</span>
        <Switcher user={user} onSwitched={refreshUser} onError={setError} />
        <span data-testid="role">{wsRole || orgRole}{wsRole === "viewer" && " (read-only)"}</span>
        <span>{user.user?.email}</span>
        <button onClick={logOut}>Log out</button>
      </header>
      <nav aria-label="Sections" className="bar">
        {pages.map(([value, label]) => (
          <button
            key={value}
            className="link"
            aria-current={shown === value ? "page" : undefined}
            onClick={() => setPage(value)}
          >
            {label}
          </button>
        ))}
      </nav>
      <main>
        {error && <p role="alert">{error}</p>}
        {shown === "knowledge" && <Knowledge key={user.workspace} workspace={user.workspace} can={can} />}
        {shown === "chatbots" && <Chatbots key={user.workspace} workspace={user.workspace} can={can} />}
        {shown === "chatflows" && <Flows key={user.workspace} workspace={user.workspace} can={can} />}
        {shown === "keys" && (
          <Keys key={user.workspace} workspace={user.workspace} can={can} permissions={grant.workspace} />
        )}
        {shown === "members" && <Members key={user.workspace} user={user} can={can} />}
        {shown === "audit" && <Audit key={user.organization} organization={user.organization} />}
        {shown === "profile" && <Profile user={user} onChanged={refreshUser} />}
        {shown === "dashboard" && <Dashboard user={user} workspaceName={workspaceName(user)} can={can} />}
      </main>
    </>
  );
}

/** The token of an invitation link (#invitation=TOKEN), or "". */
function invitationToken() {
  const match = window.location.hash.match(/^#invitation=([^&]+)$/);
  return match ? decodeURIComponent(match[1]) : "";
}

/** Accepts an invitation, then switches to the organization joined. */
function AcceptInvitation({ token, onDone }: { token: string; onDone: () => Promise<void> }) {
  const [error, setError] = useState("");
  const accept = async () => {
    try {
      const member = await call(() => client.tenant.acceptInvitation({ token }));
      const organization = member.name.split("/members/")[0];
      const answer = await call(() => client.tenant.switchContext({ organization }));
      replaceAccessToken(answer.accessToken);
      await onDone();
    } catch (caught) {
      setError(message(caught));
    }
  };
  return (
    <main>
      <section className="card" aria-labelledby="invitation-title">
        <h1 id="invitation-title">You have been invited</h1>
        <p>Accept to join the organization that invited you, with the role it chose.</p>
        {error && <p role="alert">{error}</p>}
        <div className="row">
          <button onClick={accept}>Accept invitation</button>
          <button className="secondary" onClick={onDone}>
            Not now
          </button>
        </div>
      </section>
    </main>
  );
}

function workspaceName(user: CurrentUser): string {
  for (const org of user.memberships)
    for (const ws of org.workspaces)
      if (ws.workspace === user.workspace)
        return `${org.organizationDisplayName} / ${ws.workspaceDisplayName}`;
  return "no workspace";
}

/** One select over every workspace of every organization the user belongs to. */
interface SwitcherProps {
  user: CurrentUser;
  onSwitched: () => Promise<void>;
  onError: (error: string) => void;
}

function Switcher({ user, onSwitched, onError }: SwitcherProps) {
  const switchTo = async (event: ChangeEvent<HTMLSelectElement>) => {
    const [organization, workspace] = event.target.value.split("|");
    try {
      const answer = await call(() => client.tenant.switchContext({ organization, workspace }));
      replaceAccessToken(answer.accessToken);
      onError("");
      await onSwitched();
    } catch (caught) {
      onError(message(caught));
    }
  };
  return (
    <label>
      <span>Workspace</span>
      <select value={`${user.organization}|${user.workspace}`} onChange={switchTo}>
        {user.memberships.map((org) => (
          <optgroup key={org.organization} label={org.organizationDisplayName}>
            {org.workspaces.map((ws) => (
              <option key={ws.workspace} value={`${org.organization}|${ws.workspace}`}>
                {org.organizationDisplayName} / {ws.workspaceDisplayName}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
    </label>
  );
}
