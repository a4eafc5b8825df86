// Chatbots: create a draft from the main configuration fields, try it in a test chat
// (answer streamed token by token, citations, the enclave's attestation verdict), then
// finalize, publish, and rotate the publishable key (shown once, with the embed snippet).
import { AttestationVerdict_State } from "@privexbot/client";
import { useEffect, useState } from "react";

import { call, client, message } from "./session.js";

const VERDICT = {
  [AttestationVerdict_State.ATTESTED]: "Attested enclave",
  [AttestationVerdict_State.UNATTESTED_DEVELOPMENT]: "Unattested (development enclave)",
  [AttestationVerdict_State.FAILED]: "Attestation failed",
};

export function Chatbots({ workspace }) {
  const [bases, setBases] = useState([]);
  const [draft, setDraft] = useState(null);
  const [bot, setBot] = useState(null);
  const [key, setKey] = useState("");
  const [error, setError] = useState("");

  useEffect(() => {
    call(() => client.knowledge.listKnowledgeBases({ parent: workspace }))
      .then((answer) => setBases(answer.knowledgeBases))
      .catch((caught) => setError(message(caught)));
  }, [workspace]);

  const act = async (fn) => {
    try {
      setError("");
      await fn();
    } catch (caught) {
      setError(message(caught));
    }
  };

  const create = (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const config = {
      displayName: form.get("displayName"),
      systemPrompt: form.get("systemPrompt"),
      greeting: form.get("greeting"),
      knowledgeBases: form.getAll("knowledgeBases"),
      maxTokens: 64,
    };
    act(async () =>
      setDraft(await call(() => client.bot.createChatbotDraft({ parent: workspace, chatbotDraft: { config } }))),
    );
  };

  return (
    <section aria-labelledby="chatbots-title">
      <h1 id="chatbots-title">Chatbots</h1>
      {error && <p role="alert">{error}</p>}
      {!draft && !bot && (
        <form onSubmit={create}>
          <label>
            Name
            <input name="displayName" required maxLength={100} />
          </label>
          <label>
            Instructions
            <textarea name="systemPrompt" rows={3} />
          </label>
          <label>
            Greeting
            <input name="greeting" />
          </label>
          <fieldset>
            <legend>Knowledge bases</legend>
            {bases.map((kb) => (
              <label key={kb.name} className="row">
                <input type="checkbox" name="knowledgeBases" value={kb.name} /> {kb.displayName}
              </label>
            ))}
          </fieldset>
          <button type="submit">Create draft</button>
        </form>
      )}
      {draft && !bot && (
        <>
          <h2>Draft: {draft.config?.displayName}</h2>
          <TestChat draft={draft.name} />
          <button onClick={() => act(async () => setBot(await call(() => client.bot.finalizeChatbotDraft({ name: draft.name }))))}>
            Finalize
          </button>
        </>
      )}
      {bot && (
        <>
          <h2>Chatbot: {bot.config?.displayName}</h2>
          <p data-testid="published">
            {bot.publishedVersion ? `Published version ${bot.publishedVersion}` : "Not published"}
          </p>
          <div className="row">
            <button onClick={() => act(async () => setBot(await call(() => client.bot.publishChatbot({ name: bot.name }))))}>
              Publish
            </button>
            <button
              onClick={() =>
                act(async () => {
                  const answer = await call(() => client.bot.rotatePublishableKey({ name: bot.name }));
                  setBot(answer.chatbot);
                  setKey(answer.publishableKey);
                })
              }
            >
              Rotate publishable key
            </button>
          </div>
          {key && (
            <section aria-labelledby="key-title">
              <h3 id="key-title">New publishable key (shown once)</h3>
              <code data-testid="publishable-key">{key}</code>
              <p>Embed snippet:</p>
              <pre data-testid="embed-snippet">{`<script src="${window.location.origin}/widget/widget.js" async\n  data-chatbot="${bot.name}"\n  data-key="${key}"></script>`}</pre>
              <button onClick={() => setKey("")}>I have copied it</button>
            </section>
          )}
        </>
      )}
    </section>
  );
}

/** A test chat with a draft: the answer streams in, then its citations and verdict. */
function TestChat({ draft }) {
  const [answer, setAnswer] = useState("");
  const [citations, setCitations] = useState([]);
  const [verdict, setVerdict] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");

  const ask = async (event) => {
    event.preventDefault();
    const text = new FormData(event.target).get("message");
    setAnswer("");
    setCitations([]);
    setVerdict("");
    setError("");
    setBusy(true);
    try {
      for await (const item of client.bot.testChatbotDraft({ name: draft, message: text })) {
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
