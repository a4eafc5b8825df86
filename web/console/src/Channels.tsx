// A chatbot's channel connections (Telegram, Discord, Slack, WhatsApp): the workspace's
// channels that answer with this chatbot, each with the webhook URL to give the platform;
// connect one (its credentials sealed by the server, never shown again), disable or
// enable it, delete it. Changing them needs chatbot.publish.
import { Channel_Platform, type Channel } from "@privexbot/client";
import { useCallback, useState, type FormEvent } from "react";

import { useAction, useReload } from "./action";
import { names, text } from "./format";
import { call, client } from "./session";
import { TableHead } from "./Table";

const PLATFORM = names(Channel_Platform);

/** The credentials each platform needs (server: channels/connections.py REQUIRED). */
const CREDENTIALS: Record<number, [string, string][]> = {
  [Channel_Platform.TELEGRAM]: [["botToken", "Bot token"]],
  [Channel_Platform.DISCORD]: [
    ["botToken", "Bot token"],
    ["publicKey", "Application public key"],
    ["accountId", "Application id"],
  ],
  [Channel_Platform.SLACK]: [
    ["botToken", "Bot token"],
    ["signingSecret", "Signing secret"],
  ],
  [Channel_Platform.WHATSAPP]: [
    ["botToken", "Access token"],
    ["signingSecret", "App secret"],
    ["accountId", "Phone number id"],
    ["verifyToken", "Verify token"],
  ],
};

export function Channels({ chatbot, editable }: { chatbot: string; editable: boolean }) {
  const workspace = chatbot.split("/chatbots/")[0];
  const [channels, setChannels] = useState<Channel[]>([]);
  const [platform, setPlatform] = useState<number>(Channel_Platform.TELEGRAM);
  const [error, act] = useAction();

  const load = useCallback(
    () =>
      act(async () => {
        const answer = await call(() => client.bot.listChannels({ parent: workspace, pageSize: 1000 }));
        setChannels(answer.channels.filter((channel) => channel.target === chatbot));
      }),
    [act, workspace, chatbot],
  );
  const change = useReload(act, load);

  const connect = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const credentials = Object.fromEntries(CREDENTIALS[platform].map(([field]) => [field, text(form, field)]));
    change(async () => {
      await client.bot.createChannel({
        parent: workspace,
        channel: { target: chatbot, platform, displayName: text(form, "displayName"), credentials },
      });
      formElement.reset();
    });
  };

  return (
    <section aria-labelledby="channels-title">
      <h2 id="channels-title">Channels</h2>
      {error && <p role="alert">{error}</p>}
      <table>
        <TableHead caption="Channel connections" columns={["Platform", "Name", "Webhook URL", "State"]} actions />
        <tbody>
          {channels.map((channel) => (
            <tr key={channel.name}>
              <td>{PLATFORM[channel.platform]}</td>
              <td>{channel.displayName}</td>
              <td>
                <code>{`${window.location.origin}${channel.webhookPath}`}</code>
              </td>
              <td>{channel.disabled ? "disabled" : "enabled"}</td>
              <td>
                {editable && (
                  <div className="row">
                    <button
                      className="secondary"
                      onClick={() =>
                        change(() =>
                          client.bot.updateChannel({
                            channel: { name: channel.name, disabled: !channel.disabled, etag: channel.etag },
                            updateMask: { paths: ["disabled"] },
                          }),
                        )
                      }
                    >
                      {channel.disabled ? "Enable" : "Disable"} {channel.displayName}
                    </button>
                    <button
                      className="secondary"
                      onClick={() => change(() => client.bot.deleteChannel({ name: channel.name }))}
                    >
                      Delete {channel.displayName}
                    </button>
                  </div>
                )}
              </td>
            </tr>
          ))}
          {channels.length === 0 && (
            <tr>
              <td colSpan={5}>Not connected to any messaging platform.</td>
            </tr>
          )}
        </tbody>
      </table>
      {editable && (
        <form onSubmit={connect} aria-label="Connect a channel">
          <div className="row">
            <label>
              Platform
              <select value={platform} onChange={(event) => setPlatform(Number(event.target.value))}>
                {Object.entries(PLATFORM)
                  .filter(([value]) => Number(value) > 0)
                  .map(([value, label]) => (
                    <option key={value} value={value}>
                      {label}
                    </option>
                  ))}
              </select>
            </label>
            <label>
              Channel name
              <input name="displayName" required maxLength={100} />
            </label>
            {CREDENTIALS[platform].map(([field, label]) => (
              <label key={field}>
                {label}
                <input name={field} type="password" autoComplete="off" required />
              </label>
            ))}
          </div>
          <button type="submit">Connect channel</button>
        </form>
      )}
    </section>
  );
}
