// Chatbots: the workspace's chatbots (open one to edit, publish, rotate its key and see its
// analytics: ChatbotDetail.tsx); a new one from a draft: its configuration, a test chat
// (answer streamed token by token, citations, the enclave's attestation verdict), finalize.
import {
  AttestationVerdict_State,
  Model_Kind,
  type Chatbot,
  type ChatbotDraft,
  type KnowledgeBase,
  type Model,
  type ScoredCitation,
} from "@privexbot/client";
import { useCallback, useEffect, useState, type FormEvent } from "react";

import { text } from "./format";
import { useAction } from "./action";
import { ChatbotDetail } from "./ChatbotDetail";
import { ConfigForm, type ConfigInit } from "./ConfigForm";
import type { Can } from "./permissions";
import { call, client, message } from "./session";

const VERDICT: Record<number, string> = {
  [AttestationVerdict_State.ATTESTED]: "Attested enclave",
  [AttestationVerdict_State.UNATTESTED_DEVELOPMENT]: "Unattested (development enclave)",
  [AttestationVerdict_State.FAILED]: "Attestation failed",
};

export function Chatbots({ workspace, can }: { workspace: string; can: Can }) {
  const [bases, setBases] = useState<KnowledgeBase[]>([]);
  const [models, setModels] = useState<Model[]>([]);
  const [bots, setBots] = useState<Chatbot[]>([]);
  const [draft, setDraft] = useState<ChatbotDraft | null>(null);
  const [open, setOpen] = useState<Chatbot | null>(null);
  const [error, act] = useAction();

  const load = useCallback(
    () => act(async () => setBots((await call(() => client.bot.listChatbots({ parent: workspace }))).chatbots)),
    [act, workspace],
  );
  useEffect(() => {
    load();
    act(async () => {
      setBases((await call(() => client.knowledge.listKnowledgeBases({ parent: workspace }))).knowledgeBases);
      const all = (await call(() => client.inference.listModels({}))).models;
      setModels(all.filter((model) => model.kind === Model_Kind.CHAT));
    });
  }, [act, load, workspace]);

  const create = (config: ConfigInit) =>
    act(async () =>
      setDraft(await call(() => client.bot.createChatbotDraft({ parent: workspace, chatbotDraft: { config } }))),
    );
  const finalize = (name: string) =>
    act(async () => {
      const bot = await call(() => client.bot.finalizeChatbotDraft({ name }));
      setDraft(null);
      setOpen(bot);
      await load();
    });

  if (open)
    return (
      <ChatbotDetail
        key={open.name}
        initial={open}
        bases={bases}
        models={models}
        can={can}
        onBack={() => {
          setOpen(null);
          load();
        }}
      />
    );
  return (
    <section aria-labelledby="chatbots-title">
      <h1 id="chatbots-title">Chatbots</h1>
      {error && <p role="alert">{error}</p>}
      <ul aria-label="Chatbots">
        {bots.map((bot) => (
          <li key={bot.name}>
            <button className="link" onClick={() => setOpen(bot)}>
              {bot.config?.displayName}
            </button>{" "}
            {bot.publishedVersion ? `published version ${bot.publishedVersion}` : "not published"}
          </li>
        ))}
        {bots.length === 0 && <li>No chatbot yet.</li>}
      </ul>
      {!can("chatbot.create") && <p>Your role can look at chatbots but not change them.</p>}
      {can("chatbot.create") && !draft && (
        <>
          <h2>New chatbot</h2>
          <ConfigForm bases={bases} models={models} submitLabel="Create draft" onSubmit={create} />
        </>
      )}
      {draft && (
        <>
          <h2>Draft: {draft.config?.displayName}</h2>
          <TestChat draft={draft.name} />
          <button onClick={() => finalize(draft.name)}>Finalize</button>
        </>
      )}
    </section>
  );
}

/** A test chat with a draft: the answer streams in, then its citations and verdict. */
function TestChat({ draft }: { draft: string }) {
  const [answer, setAnswer] = useState("");
  const [citations, setCitations] = useState<ScoredCitation[]>([]);
  const [verdict, setVerdict] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");

  const ask = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const question = text(new FormData(event.currentTarget), "message");
    setAnswer("");
    setCitations([]);
    setVerdict("");
    setError("");
    setBusy(true);
    try {
      for await (const item of client.bot.testChatbotDraft({ name: draft, message: question })) {
        const { case: kind, value } = item.event;
        if (kind === "delta") setAnswer((so) => so + value.text);
        else if (kind === "citations") setCitations(value.citations);
        else if (kind === "attestation") setVerdict(VERDICT[value.state] ?? value.reason);
      }
    } catch (caught) {
      setError(message(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="test-title">
      <h3 id="test-title">Test chat</h3>
      <form onSubmit={ask} className="row">
        <label>
          Message
          <input name="message" required maxLength={4000} />
        </label>
        <button type="submit" disabled={busy}>
          Send
        </button>
      </form>
      {error && <p role="alert">{error}</p>}
      <p data-testid="answer" aria-live="polite" aria-busy={busy}>
        {answer}
      </p>
      {citations.length > 0 && (
        <ul aria-label="Sources">
          {citations.map((scored, index) => (
            <li key={index}>{scored.citation?.documentDisplayName}</li>
          ))}
        </ul>
      )}
      {verdict && <p data-testid="verdict">{verdict}</p>}
    </section>
  );
}
