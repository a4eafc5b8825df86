// The console in headless Chromium, served by Envoy at /console/ beside the API. Run by
// tests/e2e/test_console.py, which signs up a user with two workspaces. Every page fails
// its test on a console error or an uncaught error; screenshots go to OUTPUT_DIR.
import assert from "node:assert/strict";
import { test } from "node:test";

import { EDGE, env, KEY, logIn, open, PASSWORD, shot } from "./lib.mjs";

test("a person signs up, logs out and logs in again, with the keyboard only", async () => {
  const { page, errors } = await open(390);
  await page.getByRole("heading", { name: "Log in to PrivexBot" }).waitFor();
  await page.getByRole("tab", { name: "Sign up" }).click();
  await page.getByLabel("Name").fill("Grace");
  await page.getByLabel("Email").fill(env("NEW_EMAIL"));
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByLabel("Password").press("Enter");
  await page.getByRole("heading", { name: "Dashboard" }).waitFor();
  assert.match(await page.locator("main").textContent(), /Signed in as Grace/);
  await shot(page, "console-signed-up-390");

  // Log out by keyboard: Tab reaches the button, Enter presses it.
  const logOut = page.getByRole("button", { name: "Log out" });
  for (let i = 0; i < 10 && !(await logOut.evaluate((b) => b === document.activeElement)); i++)
    await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Log in to PrivexBot" }).waitFor();
  assert.equal(await page.evaluate((key) => sessionStorage.getItem(key), KEY), null);

  // A wrong password is said so; the right one signs in.
  await page.getByLabel("Email").fill(env("NEW_EMAIL"));
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Log in", exact: true }).click();
  await page.getByRole("alert").waitFor();
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in", exact: true }).click();
  await page.getByRole("heading", { name: "Dashboard" }).waitFor();
  assert.deepEqual(errors, []);
});

test("switching workspace, silent refresh, and a revoked session", async () => {
  const { page, errors } = await open(1280);
  await logIn(page, env("EMAIL"));
  const current = page.getByTestId("current-workspace");
  await current.waitFor();
  const before = await current.textContent();
  const switcher = page.locator("header").getByLabel("Workspace");
  const target = await switcher.locator("option", { hasText: "Research" }).getAttribute("value");
  await switcher.selectOption(target);
  await page.getByTestId("current-workspace").filter({ hasText: "Research" }).waitFor();
  assert.notEqual(before, await current.textContent());
  await shot(page, "console-switched-1280");

  // An access token the server refuses: the console refreshes it silently and goes on.
  const stored = await page.evaluate((key) => JSON.parse(sessionStorage.getItem(key)), KEY);
  await page.evaluate((key) => {
    const session = JSON.parse(sessionStorage.getItem(key));
    sessionStorage.setItem(key, JSON.stringify({ ...session, accessToken: "expired" }));
  }, KEY);
  await page.reload();
  await page.getByRole("heading", { name: "Dashboard" }).waitFor();
  const refreshed = await page.evaluate((key) => JSON.parse(sessionStorage.getItem(key)), KEY);
  assert.ok(refreshed.accessToken && refreshed.accessToken !== "expired");

  // Logged out elsewhere (the refresh token revoked) and the access token refused: the
  // console says the session has ended and offers to sign in again.
  const revoke = await fetch(`${EDGE}/v1/auth:logOut`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ refreshToken: refreshed.refreshToken }),
  });
  assert.equal(revoke.status, 200, await revoke.text());
  assert.ok(stored.refreshToken);
  await page.evaluate((key) => {
    const session = JSON.parse(sessionStorage.getItem(key));
    sessionStorage.setItem(key, JSON.stringify({ ...session, accessToken: "expired" }));
  }, KEY);
  await page.reload();
  await page.getByRole("heading", { name: "Your session has ended" }).waitFor();
  await shot(page, "console-session-ended-1280");
  await page.getByRole("button", { name: "Sign in again" }).click();
  await page.getByRole("heading", { name: "Log in to PrivexBot" }).waitFor();
  assert.deepEqual(errors, []);
});

test("a knowledge base is made, a dropped Markdown file and a chosen PDF followed to Ready", async () => {
  const { page, errors } = await open(1280);
  await logIn(page, env("EMAIL"));
  await page.getByRole("button", { name: "Knowledge" }).click();
  await page.getByLabel("New knowledge base").fill("Handbook");
  await page.getByRole("button", { name: "Create" }).click();
  await page.getByRole("heading", { name: "Handbook: documents" }).waitFor();

  // Every status the upload row shows, as it changes.
  await page.evaluate(() => {
    window.seen = [];
    new MutationObserver(() => {
      for (const node of document.querySelectorAll("[data-testid=upload-status]"))
        if (window.seen.at(-1) !== node.textContent) window.seen.push(node.textContent);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  const files = await page.evaluateHandle((text) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([text], "returns.md", { type: "text/markdown" }));
    return transfer;
  }, env("DOCUMENT"));
  await page.getByTestId("drop-zone").dispatchEvent("drop", { dataTransfer: files });
  await page.getByTestId("upload-status").filter({ hasText: "Ready" }).waitFor({ timeout: 120_000 });
  const row = page.getByRole("row", { name: /returns\.md/ });
  await row.filter({ hasText: "ready" }).waitFor();
  const seen = await page.evaluate(() => window.seen);
  assert.equal(seen.at(-1), "Ready");
  assert.ok(seen.length >= 2, `progress before Ready: ${JSON.stringify(seen)}`);

  // A PDF through the file picker (the keyboard's way), parsed and followed to Ready too.
  await page.getByLabel("Choose files").setInputFiles(env("PDF"));
  const pdf = page.getByRole("list", { name: "Uploads" }).getByRole("listitem").filter({ hasText: "handbook.pdf" });
  await pdf.getByTestId("upload-status").filter({ hasText: "Ready" }).waitFor({ timeout: 120_000 });
  await page.getByRole("row", { name: /handbook\.pdf/ }).filter({ hasText: "ready" }).waitFor();
  await shot(page, "console-knowledge-ready-1280");
  assert.deepEqual(errors, []);
});

/** A page signed in as EMAIL, on the Handbook knowledge base. */
async function handbook() {
  const opened = await open(1280);
  await logIn(opened.page, env("EMAIL"));
  await opened.page.getByRole("button", { name: "Knowledge" }).click();
  await opened.page.getByRole("button", { name: "Handbook" }).click();
  return opened;
}

test("a knowledge base's settings are edited, a file previewed in chunks, its chunks searched", async () => {
  const { page, errors } = await handbook();
  const settings = page.getByRole("form", { name: "Handbook: settings" });
  await settings.getByLabel("Chunking strategy").selectOption({ label: "heading" });
  await settings.getByLabel("Chunk size").fill("500");
  await settings.getByLabel("Retrieval mode").selectOption({ label: "hybrid" });
  await settings.getByLabel("Top-k").fill("3");
  await settings.getByRole("button", { name: "Save settings" }).click();
  // Saved: the page opened again shows them.
  await page.getByRole("button", { name: "Dashboard" }).click();
  await page.getByRole("button", { name: "Knowledge" }).click();
  await page.getByRole("button", { name: "Handbook" }).click();
  const checked = (label) => settings.getByLabel(label).locator("option:checked").textContent();
  await settings.waitFor();
  assert.equal(await settings.getByLabel("Chunk size").inputValue(), "500");
  assert.equal(await checked("Chunking strategy"), "heading");
  assert.equal(await checked("Retrieval mode"), "hybrid");
  assert.equal(await settings.getByLabel("Top-k").inputValue(), "3");

  // The chunking preview: the file cut by headings, nothing stored.
  await page.getByLabel(/Preview a file \(heading chunking/).setInputFiles({
    name: "returns.md",
    mimeType: "text/markdown",
    buffer: Buffer.from(env("DOCUMENT")),
  });
  await page.getByTestId("preview-count").filter({ hasText: "1 chunk" }).waitFor();
  const chunks = page.getByRole("list", { name: "Preview chunks" });
  assert.match(await chunks.textContent(), /Returns.*Refunds are paid within fourteen days/s);
  assert.equal(await page.getByRole("row", { name: /returns\.md/ }).count(), 1, "the preview stored nothing");

  // The search playground: scored chunks with their citation; a threshold above every score.
  const playground = page.getByRole("region", { name: "Search playground" });
  await playground.getByLabel("Query").fill("When are refunds paid?");
  await playground.getByLabel("Retrieval mode").selectOption({ label: "vector" });
  await playground.getByLabel("Top-k").fill("2");
  await playground.getByRole("button", { name: "Search" }).click();
  const results = playground.getByRole("list", { name: "Search results" });
  await results.getByText("returns.md · chunk 1").waitFor();
  assert.match(await results.textContent(), /Refunds are paid within fourteen days/);
  assert.ok(Number(await results.getByTestId("score").first().textContent()) > 0);
  await shot(page, "console-knowledge-search-1280");
  await playground.getByLabel("Score threshold").fill("1");
  await playground.getByRole("button", { name: "Search" }).click();
  await results.getByText("No chunk scores above the threshold.").waitFor();
  assert.deepEqual(errors, []);
});

test("an upload in progress is cancelled", async () => {
  const { page, errors } = await handbook();
  // The file's bytes are held on the way (a slow network) until it is cancelled.
  let release;
  const held = new Promise((resolve) => (release = resolve));
  await page.route("**/privexbot.v1.KnowledgeService/AppendUpload", async (route) => {
    await held;
    await route.continue().catch(() => undefined);
  });
  await page.getByLabel("Choose files").setInputFiles({
    name: "slow.md",
    mimeType: "text/markdown",
    buffer: Buffer.from("# Slow\n\nThis upload never finishes.\n"),
  });
  const row = page.getByRole("listitem").filter({ hasText: "slow.md" });
  await row.getByText("Uploading").waitFor();
  await page.getByRole("button", { name: "Cancel slow.md" }).click();
  await row.getByTestId("upload-status").filter({ hasText: "Cancelled" }).waitFor();
  assert.equal(await page.getByRole("button", { name: "Cancel slow.md" }).count(), 0);
  release();
  assert.equal(await page.getByRole("row", { name: /slow\.md/ }).count(), 0, "no document was made");
  assert.deepEqual(errors, []);
});

test("a chatbot is drafted, tested with a streamed cited answer, finalized and published", async () => {
  const { page, errors } = await open(1280);
  await logIn(page, env("EMAIL"));
  await page.getByRole("button", { name: "Chatbots" }).click();
  await page.getByLabel("Name").fill("Returns helper");
  await page.getByLabel("Instructions").fill("You answer questions about returns.");
  await page.getByLabel("Handbook").check();
  await page.getByRole("button", { name: "Create draft" }).click();
  await page.getByRole("heading", { name: "Draft: Returns helper" }).waitFor();

  // Count the answer's DOM updates while it streams.
  await page.evaluate(() => {
    window.updates = 0;
    new MutationObserver(() => window.updates++).observe(
      document.querySelector("[data-testid=answer]"),
      { subtree: true, childList: true, characterData: true },
    );
  });
  await page.getByLabel("Message").fill("How fast are refunds paid?");
  await page.getByRole("button", { name: "Send" }).click();
  await page.getByTestId("verdict").waitFor({ timeout: 60_000 });
  await page.getByRole("list", { name: "Sources" }).getByText("returns.md").first().waitFor();
  assert.ok((await page.getByTestId("answer").textContent()).length > 0);
  assert.ok((await page.evaluate(() => window.updates)) >= 3, "the answer streamed in");
  assert.match(await page.getByTestId("verdict").textContent(), /Attest|Unattested/);
  await shot(page, "console-chatbot-tested-1280");

  await page.getByRole("button", { name: "Finalize" }).click();
  await page.getByRole("heading", { name: "Chatbot: Returns helper" }).waitFor();
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await page.getByTestId("published").filter({ hasText: /Published version \d/ }).waitFor();
  await page.getByRole("button", { name: "Rotate publishable key" }).click();
  const key = await page.getByTestId("publishable-key").textContent();
  assert.ok(key.length > 10);
  assert.ok((await page.getByTestId("embed-snippet").textContent()).includes(key));
  await shot(page, "console-chatbot-published-1280");
  await page.getByRole("button", { name: "I have copied it" }).click();
  assert.equal(await page.getByTestId("publishable-key").count(), 0, "shown once");
  assert.deepEqual(errors, []);
});
