// API keys of the current workspace: create (the secret shown once), list with when each
// was last used, revoke. Without apikey.create / apikey.revoke the controls are hidden.
import type { ApiKey } from "@privexbot/client";
import { useCallback, useEffect, useState, type FormEvent } from "react";

import { useAction } from "./action";
import { when, text } from "./format";
import type { Can } from "./permissions";
import { call, client } from "./session";
import { TableHead } from "./Table";

// Permissions a key is created with unless changed (a widget-like backend client).
const DEFAULT_PERMISSIONS = ["chatbot.read", "chatbot.chat"];

export function Keys({ workspace, can, permissions }: { workspace: string; can: Can; permissions: string[] }) {
  const [keys, setKeys] = useState<ApiKey[]>([]);
  const [secret, setSecret] = useState<{ name: string; key: string } | null>(null);
  const [error, act] = useAction();

  const load = useCallback(
    () => act(async () => setKeys((await call(() => client.auth.listApiKeys({ parent: workspace }))).apiKeys)),
    [act, workspace],
  );
  useEffect(() => {
    load();
  }, [load]);

  const create = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    act(async () => {
      const answer = await call(() =>
        client.auth.createApiKey({
          parent: workspace,
          apiKey: {
            displayName: text(form, "displayName"),
            permissions: form.getAll("permissions").map(String),
            requestsPerMinute: Number(text(form, "requestsPerMinute") || 0),
          },
        }),
      );
      setSecret({ name: answer.apiKey?.displayName ?? "", key: answer.key });
      formElement.reset();
      await load();
    });
  };

  const revoke = (key: ApiKey) =>
    act(async () => {
      await call(() => client.auth.revokeApiKey({ name: key.name }));
      await load();
    });

  return (
    <section aria-labelledby="keys-title">
      <h1 id="keys-title">API keys</h1>
      <p>Backend clients send a key as the <code>x-api-key</code> header.</p>
      {error && <p role="alert">{error}</p>}
      {secret && (
        <section aria-labelledby="secret-title" className="notice">
          <h2 id="secret-title">New API key “{secret.name}” (shown once)</h2>
          <code data-testid="api-key-secret">{secret.key}</code>
          <div className="row">
            <button onClick={() => navigator.clipboard?.writeText(secret.key)}>Copy</button>
            <button onClick={() => setSecret(null)}>I have copied it</button>
          </div>
        </section>
      )}
      {can("apikey.create") && (
        <form onSubmit={create} aria-label="New API key">
          <label>
            Key name
            <input name="displayName" required maxLength={100} />
          </label>
          <fieldset>
            <legend>Permissions</legend>
            <div className="choices">
              {permissions.map((permission) => (
                <label key={permission} className="row">
                  <input
                    type="checkbox"
                    name="permissions"
                    value={permission}
                    defaultChecked={DEFAULT_PERMISSIONS.includes(permission)}
                  />{" "}
                  {permission}
                </label>
              ))}
            </div>
          </fieldset>
          <label>
            Requests per minute (0: no limit of its own)
            <input name="requestsPerMinute" type="number" min={0} max={100000} defaultValue={0} />
          </label>
          <button type="submit">Create key</button>
        </form>
      )}
      <table>
        <TableHead caption="Keys" columns={["Name", "Starts with", "Permissions", "Created", "Last used", "State"]} actions />
        <tbody>
          {keys.map((key) => (
            <tr key={key.name}>
              <td>{key.displayName}</td>
              <td>
                <code>{key.keyPrefix}</code>
              </td>
              <td>{key.permissions.join(", ")}</td>
              <td>{when(key.createTime)}</td>
              <td data-testid="last-used">
                {key.lastUsedTime ? `${when(key.lastUsedTime)} from ${key.lastUsedIp}` : "never"}
              </td>
              <td>{key.revokeTime ? `revoked ${when(key.revokeTime)}` : "active"}</td>
              <td>
                {!key.revokeTime && can("apikey.revoke") && (
                  <button onClick={() => revoke(key)} aria-label={`Revoke ${key.displayName}`}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
          {keys.length === 0 && (
            <tr>
              <td colSpan={7}>No API key yet.</td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
