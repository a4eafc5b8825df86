// One chatbot: edit its working configuration (saved with UpdateChatbot; chat keeps the
// published version until Publish makes a new one), its versions (roll back), publishable
// key rotation (the key and the embed snippet shown once), its channel connections, its
// analytics and conversations.
import type { Chatbot, ChatbotVersion, KnowledgeBase, Model } from "@privexbot/client";
import { useCallback, useEffect, useState } from "react";

import { useAction } from "./action";
import { Analytics } from "./Analytics";
import { Channels } from "./Channels";
import { ConfigForm, type ConfigInit } from "./ConfigForm";
import { Sessions } from "./Sessions";
import { when } from "./format";
import type { Can } from "./permissions";
import { call, client } from "./session";
import { TableHead } from "./Table";

interface ChatbotDetailProps {
  initial: Chatbot;
  bases: KnowledgeBase[];
  models: Model[];
  can: Can;
  onBack: () => void;
}

export function ChatbotDetail({ initial, bases, models, can, onBack }: ChatbotDetailProps) {
  const [bot, setBot] = useState(initial);
  const [versions, setVersions] = useState<ChatbotVersion[]>([]);
  const [key, setKey] = useState("");
  const [saved, setSaved] = useState(false);
  const [error, act] = useAction();

  const loadVersions = useCallback(
    () =>
      act(async () =>
        setVersions((await call(() => client.bot.listChatbotVersions({ parent: initial.name }))).chatbotVersions),
      ),
    [act, initial.name],
  );
  useEffect(() => {
    loadVersions();
  }, [loadVersions]);

  const publishing = (fn: () => Promise<Chatbot>) =>
    act(async () => {
      setBot(await call(fn));
      setSaved(false);
      await loadVersions();
    });
  const save = (config: ConfigInit) =>
    act(async () => {
      setBot(
        await call(() =>
          client.bot.updateChatbot({ chatbot: { name: bot.name, config, etag: bot.etag }, updateMask: { paths: ["config"] } }),
        ),
      );
      setSaved(true);
    });
  const rotate = () =>
    act(async () => {
      const answer = await call(() => client.bot.rotatePublishableKey({ name: bot.name }));
      if (answer.chatbot) setBot(answer.chatbot);
      setKey(answer.publishableKey);
    });

  const mayPublish = can("chatbot.publish");
  return (
    <section aria-labelledby="bot-title">
      <button className="link" onClick={onBack}>
        ← All chatbots
      </button>
      <h1 id="bot-title">Chatbot: {bot.config?.displayName}</h1>
      {error && <p role="alert">{error}</p>}
      <p data-testid="published">
        {bot.publishedVersion ? `Published version ${bot.publishedVersion}` : "Not published"}
      </p>
      {saved && <p data-testid="saved">Changes saved. Publish to make chat use them.</p>}
      {mayPublish && (
        <div className="row">
          <button onClick={() => publishing(() => client.bot.publishChatbot({ name: bot.name, etag: bot.etag }))}>
            Publish
          </button>
          <button onClick={rotate}>Rotate publishable key</button>
        </div>
      )}
      {key && (
        <section aria-labelledby="key-title" className="notice">
          <h3 id="key-title">New publishable key (shown once)</h3>
          <code data-testid="publishable-key">{key}</code>
          <p>Embed snippet:</p>
          <pre data-testid="embed-snippet">{`<script src="${window.location.origin}/widget/widget.js" async\n  data-chatbot="${bot.name}"\n  data-key="${key}"></script>`}</pre>
          <button onClick={() => setKey("")}>I have copied it</button>
        </section>
      )}
      <h2>Configuration</h2>
      {!can("chatbot.update") && <p>Read-only: your role cannot change this chatbot.</p>}
      <ConfigForm
        key={bot.etag}
        config={bot.config}
        bases={bases}
        models={models}
        disabled={!can("chatbot.update")}
        submitLabel="Save changes"
        onSubmit={save}
      />
      <table>
        <TableHead caption="Published versions" columns={["Version", "Published", "Instructions"]} actions />
        <tbody>
          {versions.map((version) => (
            <tr key={version.name}>
              <td>{version.number}</td>
              <td>{when(version.createTime)}</td>
              <td>{version.config?.systemPrompt}</td>
              <td>
                {mayPublish && version.number !== bot.publishedVersion && (
                  <button
                    onClick={() =>
                      publishing(() =>
                        client.bot.rollbackChatbot({ name: bot.name, version: version.number, etag: bot.etag }),
                      )
                    }
                  >
                    Roll back to {version.number}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Channels chatbot={bot.name} editable={mayPublish} />
      {can("analytics.read") && <Analytics name={`${bot.name}/analytics`} query={client.bot.getChatbotAnalytics} />}
      <Sessions parent={bot.name} list={client.bot.listChatSessions} get={client.bot.getChatSession} />
    </section>
  );
}
