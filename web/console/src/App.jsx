// The console's shell: the sign-in screen, the "session ended" screen, and once signed in
// the top bar (organization and workspace switcher, log out) over the dashboard.
import { useCallback, useEffect, useState } from "react";

import { Chatbots } from "./Chatbots.jsx";
import { Knowledge } from "./Knowledge.jsx";
import { SignIn } from "./SignIn.jsx";
import { call, clear, client, load, message, save, SessionEnded } from "./session.js";

export function App() {
  const [state, setState] = useState(() => (load() ? "loading" : "signed-out"));
  const [user, setUser] = useState(null);
  const [error, setError] = useState("");
  const [page, setPage] = useState("dashboard");

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
  if (!user) return <main>{error ? <p role="alert">{error}</p> : <p aria-busy="true">Loading…</p>}</main>;
  return (
    <>
      <header className="bar">
        <span className="brand">PrivexBot</span>
        <Switcher user={user} onSwitched={refreshUser} onError={setError} />
        <span>{user.user?.email}</span>
        <button onClick={logOut}>Log out</button>
      </header>
      <nav aria-label="Sections" className="bar">
        {[
          ["dashboard", "Dashboard"],
          ["knowledge", "Knowledge"],
          ["chatbots", "Chatbots"],
        ].map(([value, label]) => (
          <button
            key={value}
            className="link"
            aria-current={page === value ? "page" : undefined}
            onClick={() => setPage(value)}
          >
            {label}
          </button>
        ))}
      </nav>
      <main>
        {error && <p role="alert">{error}</p>}
        {page === "knowledge" && <Knowledge key={user.workspace} workspace={user.workspace} />}
        {page === "chatbots" && <Chatbots key={user.workspace} workspace={user.workspace} />}
        {page === "dashboard" && (
          <>
            <h1>Dashboard</h1>
            <p>
              Signed in as <strong>{user.user?.displayName || user.user?.email}</strong>, working
              in <strong data-testid="current-workspace">{workspaceName(user)}</strong>.
            </p>
          </>
        )}
      </main>
    </>
  );
}

function workspaceName(user) {
  for (const org of user.memberships)
    for (const ws of org.workspaces)
      if (ws.workspace === user.workspace)
        return `${org.organizationDisplayName} / ${ws.workspaceDisplayName}`;
  return "no workspace";
}

/** One select over every workspace of every organization the user belongs to. */
function Switcher({ user, onSwitched, onError }) {
  const switchTo = async (event) => {
    const [organization, workspace] = event.target.value.split("|");
    try {
      const answer = await call(() => client.tenant.switchContext({ organization, workspace }));
      save({ ...load(), accessToken: answer.accessToken });
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
