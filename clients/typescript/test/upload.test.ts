// The resumable upload helper in Node, through the real Envoy and server
// (PRIVEXBOT_URL, set by tests/e2e/test_typescript_sdk.py).
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { test } from "node:test";

import { Code, ConnectError } from "@connectrpc/connect";

import { createPrivexBot, MAX_CHUNK_BYTES, upload } from "../src/index.js";

const BASE_URL = process.env.PRIVEXBOT_URL ?? "";
const MIB = 1024 * 1024;

async function signedUp(fetch?: typeof globalThis.fetch) {
  const client = createPrivexBot(BASE_URL, {}, { fetch });
  const session = await client.auth.signUpWithEmail({
    email: `ts-${randomBytes(5).toString("hex")}@example.com`,
    password: "correct horse battery staple 42",
  });
  client.credentials.accessToken = session.accessToken;
  const kb = await client.knowledge.createKnowledgeBase({
    parent: session.workspace,
    knowledgeBase: { displayName: "Uploads" },
  });
  return { client, kb: kb.name };
}

/** An HTML page of `size` bytes whose text is one paragraph (quick to ingest). */
function page(size: number): Uint8Array<ArrayBuffer> {
  const head = "<html><body><h1>Returns</h1><p>Refunds are paid within fourteen days.</p><!--";
  const tail = "--></body></html>";
  return new TextEncoder().encode(head + "x".repeat(size - head.length - tail.length) + tail);
}

test("a 15 MiB file arrives in 1 MiB chunks, one of them sent twice", async () => {
  let appends = 0;
  let dropped = false;
  // The third chunk reaches the server, but its answer is lost: the helper sends it again.
  const flaky: typeof globalThis.fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    const reply = await fetch(input, init);
    if (url.endsWith("/AppendUpload") && ++appends === 3 && !dropped) {
      dropped = true;
      await reply.arrayBuffer();
      throw new TypeError("fetch failed: connection reset");
    }
    return reply;
  };
  const { client, kb } = await signedUp(flaky);
  const content = page(15 * MIB);
  const progress: number[] = [];
  const document = await upload(client, kb, new Blob([content], { type: "text/html" }), {
    displayName: "returns.html",
    onProgress: (sent) => progress.push(sent),
  });
  assert.equal(document.sizeBytes, BigInt(content.length));
  assert.equal(document.contentSha256, createHash("sha256").update(content).digest("hex"));
  assert.ok(dropped);
  assert.equal(appends, 15 + 1, "every chunk once, the dropped one twice");
  assert.deepEqual(progress, Array.from({ length: 15 }, (_, i) => (i + 1) * MIB));
  const listed = await client.knowledge.listDocuments({ parent: kb });
  assert.deepEqual(
    listed.documents.map((d) => d.name),
    [document.name],
  );
});

test("an append at an offset past what arrived is refused with the offset to resume at", async () => {
  const { client, kb } = await signedUp();
  const started = await client.knowledge.startUpload({
    parent: kb,
    upload: { displayName: "a.txt", contentType: "text/plain", sizeBytes: 2048n },
  });
  await client.knowledge.appendUpload({ name: started.name, offset: 0n, data: new Uint8Array(100) });
  await assert.rejects(
    client.knowledge.appendUpload({ name: started.name, offset: 1024n, data: new Uint8Array(1024) }),
    (error: unknown) => {
      assert.ok(error instanceof ConnectError);
      assert.equal(error.code, Code.FailedPrecondition);
      return true;
    },
  );
  const state = await client.knowledge.getUpload({ name: started.name });
  assert.equal(state.receivedBytes, 100n);
});

test("a chunk over the limit is refused by the server, and a body over the edge's limit by Envoy", async () => {
  const { client, kb } = await signedUp();
  const started = await client.knowledge.startUpload({
    parent: kb,
    upload: { displayName: "b.txt", contentType: "text/plain", sizeBytes: 8n * BigInt(MIB) },
  });
  for (const size of [MAX_CHUNK_BYTES + 1, 6 * MIB]) {
    await assert.rejects(
      client.knowledge.appendUpload({ name: started.name, offset: 0n, data: new Uint8Array(size) }),
      (error: unknown) => {
        assert.ok(error instanceof ConnectError, String(error));
        assert.equal(error.code, Code.InvalidArgument, error.message);
        return true;
      },
    );
  }
});
