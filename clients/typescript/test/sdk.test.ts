// The SDK as a new user meets it, in Node through the real Envoy, server and enclave
// (PRIVEXBOT_URL; PRIVEXBOT_TEST_JWT_KEY is the throwaway stack's "kid:secret" signing key,
// to forge an expired token; both set by tests/e2e/test_typescript_sdk.py).
import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { before, test } from "node:test";

import {
  AttestationVerdict_State,
  chat,
  ChatMessage_Role,
  Code,
  createPrivexBot,
  Document_State,
  GroundingMode,
  PrivexBotError,
  type AuthSession,
  type ChatStreamEvent,
  type PrivexBot,
} from "../src/index.js";

const BASE_URL = process.env.PRIVEXBOT_URL ?? "";
const SITE = "https://shop.example";
const PASSWORD = "correct horse battery staple 42";

let px: PrivexBot;
let session: AuthSession;

before(async () => {
  px = createPrivexBot(BASE_URL);
  session = await px.auth.signUpWithEmail({
    email: `ts-sdk-${randomBytes(5).toString("hex")}@example.com`,
    password: PASSWORD,
  });
  px.credentials.accessToken = session.accessToken;
  px.credentials.refreshToken = session.refreshToken;
});

test("a list pages through opaque tokens", async () => {
  for (const title of ["Handbook", "Policies", "Pricing"]) {
    await px.knowledge.createKnowledgeBase({ parent: session.workspace, knowledgeBase: { displayName: title } });
  }
  const seen: string[] = [];
  let pageToken = "";
  let pages = 0;
  do {
    const page = await px.knowledge.listKnowledgeBases({ parent: session.workspace, pageSize: 2, pageToken });
    seen.push(...page.knowledgeBases.map((kb) => kb.displayName));
    pageToken = page.nextPageToken;
    pages += 1;
  } while (pageToken);
  assert.equal(pages, 2);
  assert.deepEqual([...seen].sort(), ["Handbook", "Policies", "Pricing"]);
});

test("a failed call is a PrivexBotError with the server's reason and field violations", async () => {
  const missing = await px.knowledge
    .getKnowledgeBase({ name: `${session.workspace}/knowledgeBases/missing` })
    .then(() => undefined, (error: unknown) => error);
  assert.ok(missing instanceof PrivexBotError, String(missing));
  assert.equal(missing.code, Code.NotFound);
  assert.equal(missing.reason, "RESOURCE_NOT_FOUND");
  assert.equal(missing.domain, "privexbot.io");

  const bad = await px.knowledge
    .createKnowledgeBase({ parent: session.workspace, knowledgeBase: { displayName: "x".repeat(500) } })
    .then(() => undefined, (error: unknown) => error);
  assert.ok(bad instanceof PrivexBotError);
  assert.equal(bad.code, Code.InvalidArgument);
  assert.deepEqual(
    bad.fieldViolations.map((violation) => violation.field),
    ["knowledge_base.display_name"],
  );
});

/** `token` with its expiry moved into the past, signed with the server's key. */
function expiredCopy(token: string): string {
  const [kid, secret] = (process.env.PRIVEXBOT_TEST_JWT_KEY ?? "").split(/:(.*)/s);
  assert.ok(kid && secret, "PRIVEXBOT_TEST_JWT_KEY is not set");
  const [header, payload] = token.split(".");
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
  const body = Buffer.from(JSON.stringify({ ...claims, exp: Math.floor(Date.now() / 1000) - 60 })).toString("base64url");
  const signature = createHmac("sha256", secret).update(`${header}.${body}`).digest("base64url");
  return `${header}.${body}.${signature}`;
}

test("an expired token is refreshed once, concurrent calls share the refresh, the calls succeed", async () => {
  const own = await createPrivexBot(BASE_URL).auth.logInWithEmail({ email: session.user!.email, password: PASSWORD });
  const refreshed: AuthSession[] = [];
  const client = createPrivexBot(
    BASE_URL,
    { accessToken: expiredCopy(own.accessToken), refreshToken: own.refreshToken },
    { onRefresh: (next) => refreshed.push(next) },
  );
  const [me, again] = await Promise.all([client.auth.getCurrentUser({}), client.auth.getCurrentUser({})]);
  assert.equal(me.user?.name, session.user?.name);
  assert.equal(again.user?.name, session.user?.name);
  assert.equal(refreshed.length, 1);
  assert.equal(client.credentials.accessToken, refreshed[0].accessToken);
  assert.notEqual(client.credentials.refreshToken, own.refreshToken, "the refresh token rotated");

  // Without a refresh token the expiry is the caller's to handle.
  const stuck = createPrivexBot(BASE_URL, { accessToken: expiredCopy(own.accessToken) });
  await assert.rejects(stuck.auth.getCurrentUser({}), (error: unknown) => {
    assert.ok(error instanceof PrivexBotError);
    assert.equal(error.code, Code.Unauthenticated);
    assert.equal(error.reason, "TOKEN_EXPIRED");
    return true;
  });
});

/** A published chatbot over one ingested document, and its publishable key. */
async function chatbot(config: { groundingMode?: GroundingMode } = {}): Promise<{ name: string; key: string }> {
  const kb = await px.knowledge.createKnowledgeBase({ parent: session.workspace, knowledgeBase: { displayName: "Returns" } });
  let document = await px.knowledge.createDocument({
    parent: kb.name,
    document: { displayName: "returns.md", contentType: "text/markdown" },
    source: { case: "text", value: "# Returns\n\nRefunds are paid within fourteen days of the return." },
  });
  for (let i = 0; i < 600 && document.state !== Document_State.READY; i++) {
    assert.notEqual(document.state, Document_State.FAILED);
    await new Promise((resolve) => setTimeout(resolve, 100));
    document = await px.knowledge.getDocument({ name: document.name });
  }
  assert.equal(document.state, Document_State.READY);
  const draft = await px.bot.createChatbotDraft({
    parent: session.workspace,
    chatbotDraft: {
      config: {
        displayName: "Returns helper",
        systemPrompt: "You answer questions about returns.",
        knowledgeBases: [kb.name],
        maxTokens: 64,
        temperature: 0,
        allowedOrigins: [SITE],
        ...config,
      },
    },
  });
  const bot = await px.bot.finalizeChatbotDraft({ name: draft.name });
  const key = await px.bot.rotatePublishableKey({ name: bot.name });
  return { name: bot.name, key: key.publishableKey };
}

test("a visitor's chat streams typed events; cancelling mid-stream stops generation", async () => {
  const bot = await chatbot();
  const visitor = createPrivexBot(BASE_URL, { publishableKey: bot.key });
  const headers = { origin: SITE };
  const visitorId = `v-${randomBytes(4).toString("hex")}`;

  const events: ChatStreamEvent[] = [];
  for await (const event of chat(visitor, { name: bot.name, message: "How fast are refunds paid?", visitorId }, { headers })) {
    events.push(event);
  }
  const types = events.map((event) => event.type);
  assert.equal(types[0], "sessionStarted");
  assert.equal(types.at(-1), "done");
  assert.ok(types.filter((type) => type === "delta").length >= 3, types.join(","));
  const attestation = events.find((event) => event.type === "attestation");
  assert.equal(attestation?.type === "attestation" && attestation.value.state, AttestationVerdict_State.UNATTESTED_DEVELOPMENT);
  const cited = events.flatMap((event) => (event.type === "citations" ? event.value.citations : []));
  assert.ok(cited.some((scored) => scored.citation?.documentDisplayName === "returns.md"));

  // The same session, cancelled after the first delta: the iterator ends quietly and the
  // server keeps what was produced, marked incomplete.
  const sessionName = events[0].type === "sessionStarted" ? events[0].value.session : "";
  const abort = new AbortController();
  let deltas = 0;
  const stream = chat(
    visitor,
    { name: bot.name, session: sessionName, message: "Write a very long story about refunds.", visitorId },
    { headers, signal: abort.signal },
  );
  for await (const event of stream) {
    if (event.type === "delta" && ++deltas === 1) abort.abort();
  }
  assert.equal(deltas, 1);
  let last;
  for (let i = 0; i < 50; i++) {
    const stored = await px.bot.getChatSession({ name: sessionName });
    last = stored.messages.at(-1);
    if (stored.messages.length === 4 && last?.role === ChatMessage_Role.ASSISTANT) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(last?.role, ChatMessage_Role.ASSISTANT);
  assert.equal(last?.incomplete, true);

  // The key only chats: anything else is refused, with a reason.
  await assert.rejects(visitor.bot.getChatbot({ name: bot.name }, { headers }), (error: unknown) => {
    assert.ok(error instanceof PrivexBotError);
    assert.ok([Code.PermissionDenied, Code.Unauthenticated].includes(error.code), error.message);
    assert.ok(error.reason, "a reason is given");
    return true;
  });
});

test("a rate-limited call carries the server's RetryInfo delay", async () => {
  // Strict grounding answers an off-topic question without the model: quick, so the
  // visitor's per-minute limit is what this meets.
  const bot = await chatbot({ groundingMode: GroundingMode.STRICT });
  const visitor = createPrivexBot(BASE_URL, { publishableKey: bot.key });
  const request = { name: bot.name, message: "What is the capital city of Mongolia?", visitorId: "chatty" };
  const options = { headers: { origin: SITE } };
  let refused: PrivexBotError | undefined;
  for (let i = 0; i < 100 && !refused; i++) {
    try {
      for await (const _ of chat(visitor, request, options));
    } catch (error) {
      assert.ok(error instanceof PrivexBotError);
      refused = error;
    }
  }
  assert.equal(refused?.code, Code.ResourceExhausted);
  assert.equal(refused?.reason, "RATE_LIMITED");
  assert.ok(refused?.retryDelayMs !== undefined && refused.retryDelayMs >= 1000, String(refused?.retryDelayMs));
});
