// The dashboard: who is signed in, where, and the organization's usage against its plan.
import { Plan, type CurrentUser, type Usage } from "@privexbot/client";
import { useEffect, useState } from "react";

import { useAction } from "./action";
import { names } from "./format";
import type { Can } from "./permissions";
import { call, client } from "./session";

const PLAN = names(Plan);
type CounterField = "messagesThisMonth" | "tokensThisMonth" | "chatbots" | "chatflows" | "knowledgeBases" | "workspaces";
const COUNTERS: [CounterField, string][] = [
  ["messagesThisMonth", "Messages this month"],
  ["tokensThisMonth", "Model tokens this month"],
  ["chatbots", "Chatbots"],
  ["chatflows", "Chatflows"],
  ["knowledgeBases", "Knowledge bases"],
  ["workspaces", "Workspaces"],
];

export function Dashboard({ user, workspaceName, can }: { user: CurrentUser; workspaceName: string; can: Can }) {
  const [usage, setUsage] = useState<Usage | null>(null);
  const [error, act] = useAction();
  const mayRead = can("usage.read");
  useEffect(() => {
    if (mayRead) act(async () => setUsage(await call(() => client.tenant.getUsage({ name: `${user.organization}/usage` }))));
  }, [act, mayRead, user.organization]);
  return (
    <>
      <h1>Dashboard</h1>
      <p>
        Signed in as <strong>{user.user?.displayName || user.user?.email}</strong>, working in{" "}
        <strong data-testid="current-workspace">{workspaceName}</strong>.
      </p>
      {error && <p role="alert">{error}</p>}
      {usage && (
        <table>
          <caption>
            Usage of the <span data-testid="plan">{PLAN[usage.plan]}</span> plan
          </caption>
          <tbody>
            {COUNTERS.map(([field, label]) => {
              const { used = 0n, limit = 0n } = usage[field] ?? {};
              return (
                <tr key={field}>
                  <th scope="row">{label}</th>
                  <td>
                    {String(used)} of {limit ? String(limit) : "unlimited"}
                  </td>
                  <td>{limit > 0n && <meter min={0} max={Number(limit)} value={Number(used)} aria-label={`${label} used`} />}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}
