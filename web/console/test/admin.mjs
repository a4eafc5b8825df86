// API keys, members and invitations, and a viewer's read-only console. Run by
// tests/e2e/test_console.py with OWNER (a user whose workspace has the chatbot BOT) and
// VIEWER_EMAIL (nobody yet: invited here, signs up from the invitation link).
import assert from "node:assert/strict";
import { test } from "node:test";

import { env, logIn, open, rest, shot } from "./lib.mjs";

test("an owner sees the plan's usage, creates, sees used and revokes an API key", async () => {
  const { page, errors } = await open(1280);
  await logIn(page, env("OWNER"));
  // The dashboard shows the organization's usage against its plan: one chatbot so far.
  await page.getByTestId("plan").waitFor();
  assert.match(await page.getByRole("row", { name: /^Chatbots / }).textContent(), /^Chatbots1 of /);
  await page.getByRole("button", { name: "API keys" }).click();
  await page.getByLabel("Key name").fill("Backend");
  await page.getByRole("button", { name: "Create key" }).click();
  const secret = await page.getByTestId("api-key-secret").textContent();
  assert.ok(secret.length > 20);
  const row = page.getByRole("row", { name: /Backend/ });
  await row.getByText("never").waitFor();

  // The key works as a backend would use it; the list then says when it was last used.
  const used = await rest("GET", `/v1/${env("BOT")}`, { "x-api-key": secret });
  assert.equal(used.status, 200, JSON.stringify(used.body));
  await page.getByRole("button", { name: "I have copied it" }).click();
  assert.equal(await page.getByTestId("api-key-secret").count(), 0, "shown once");
  await page.getByRole("button", { name: "Dashboard" }).click();
  await page.getByRole("button", { name: "API keys" }).click();
  assert.doesNotMatch(await row.getByTestId("last-used").textContent(), /never/);
  await shot(page, "console-api-keys-1280");

  await page.getByRole("button", { name: "Revoke Backend" }).click();
  await row.getByText(/^revoked/).waitFor();
  const refused = await rest("GET", `/v1/${env("BOT")}`, { "x-api-key": secret });
  assert.equal(refused.status, 401, JSON.stringify(refused.body));
  assert.deepEqual(errors, []);
});

test("an invited viewer sees the builder read-only; the owner changes the role, then removes them", async () => {
  const owner = await open(1280);
  await logIn(owner.page, env("OWNER"));
  await owner.page.getByRole("button", { name: "Members" }).click();
  await owner.page.getByLabel("Invitee email").fill(env("VIEWER_EMAIL"));
  await owner.page.getByLabel("Role in this workspace").selectOption({ label: "viewer" });
  await owner.page.getByRole("button", { name: "Invite" }).click();
  const link = await owner.page.getByTestId("invitation-link").textContent();
  const invitation = owner.page.getByRole("row", { name: new RegExp(env("VIEWER_EMAIL")) });
  await invitation.getByText("pending").waitFor();

  // The invitee opens the link, signs up, accepts and lands in the owner's workspace.
  const viewer = await open(390, new URL(link).pathname + new URL(link).hash);
  await viewer.page.getByRole("tab", { name: "Sign up" }).click();
  await viewer.page.getByLabel("Email").fill(env("VIEWER_EMAIL"));
  await viewer.page.getByLabel("Password").fill(env("PASSWORD"));
  await viewer.page.getByRole("button", { name: "Sign up" }).click();
  await viewer.page.getByRole("heading", { name: "You have been invited" }).waitFor();
  await viewer.page.getByRole("button", { name: "Accept invitation" }).click();
  await viewer.page.getByTestId("role").filter({ hasText: "viewer (read-only)" }).waitFor();
  assert.equal(new URL(viewer.page.url()).hash, "", "the token leaves the address bar");
  assert.equal(await viewer.page.getByRole("button", { name: "API keys" }).count(), 0);
  assert.equal(await viewer.page.getByRole("button", { name: "Audit log" }).count(), 0);

  // The builder, read-only: the chatbot is listed and opens, nothing can be changed.
  await viewer.page.getByRole("button", { name: "Chatbots" }).click();
  await viewer.page.getByText("Your role can look at chatbots but not change them.").waitFor();
  assert.equal(await viewer.page.getByRole("button", { name: "Create draft" }).count(), 0);
  await viewer.page.getByRole("button", { name: "Support bot" }).click();
  await viewer.page.getByRole("heading", { name: "Chatbot: Support bot" }).waitFor();
  assert.ok(await viewer.page.getByLabel("Instructions").isDisabled());
  assert.equal(await viewer.page.getByRole("button", { name: "Publish" }).count(), 0);
  assert.equal(await viewer.page.getByRole("button", { name: "Save changes" }).count(), 0);
  await viewer.page.getByRole("button", { name: "Knowledge" }).click();
  await viewer.page.getByRole("heading", { name: "Knowledge bases" }).waitFor();
  assert.equal(await viewer.page.getByLabel("New knowledge base").count(), 0);
  await viewer.page.getByRole("button", { name: "Members" }).click();
  const mine = viewer.page.getByLabel(`Organization role of ${env("OWNER")}`);
  await mine.waitFor();
  assert.ok(await mine.isDisabled());
  assert.equal(await viewer.page.getByRole("button", { name: "Invite" }).count(), 0);
  await shot(viewer.page, "console-viewer-read-only-390");

  // The owner makes them an editor: after a reload the viewer may build.
  await owner.page.getByRole("button", { name: "Dashboard" }).click();
  await owner.page.getByRole("button", { name: "Members" }).click();
  // The viewer reloads once the change is committed (its response is back), not before.
  const updated = owner.page.waitForResponse((response) => response.url().endsWith("/UpdateWorkspaceMember"));
  await owner.page.getByLabel(`Workspace role of ${env("VIEWER_EMAIL")}`).selectOption({ label: "editor" });
  assert.equal((await updated).status(), 200);
  await invitation.getByText("accepted").waitFor();
  await viewer.page.reload();
  await viewer.page.getByTestId("role").filter({ hasText: "editor" }).waitFor();
  await viewer.page.getByRole("button", { name: "Chatbots" }).click();
  await viewer.page.getByRole("button", { name: "Create draft" }).waitFor();
  await shot(owner.page, "console-members-1280");

  await owner.page.getByRole("button", { name: `Remove ${env("VIEWER_EMAIL")}` }).click();
  const members = owner.page.getByRole("table", { name: "Organization members" });
  await members.getByRole("cell", { name: env("VIEWER_EMAIL"), exact: true }).waitFor({ state: "detached" });
  assert.deepEqual(owner.errors, []);
  assert.deepEqual(viewer.errors, []);
});

test("the owner reads the audit log, filtered by action and date", async () => {
  const { page, errors } = await open(1280);
  await logIn(page, env("OWNER"));
  await page.getByRole("button", { name: "Audit log" }).click();
  const actions = page.getByTestId("audit-action");
  await actions.filter({ hasText: "member.remove" }).waitFor();
  assert.ok((await actions.allTextContents()).includes("apikey.revoke"));

  // An action prefix: only member events.
  await page.getByLabel("Action", { exact: true }).fill("member");
  await page.getByRole("button", { name: "Filter" }).click();
  await actions.filter({ hasText: "apikey.revoke" }).waitFor({ state: "detached" });
  const shown = await actions.allTextContents();
  assert.ok(shown.includes("member.remove") && shown.every((action) => action.startsWith("member.")), shown);
  await shot(page, "console-audit-1280");

  // A range that ended before today: nothing.
  await page.getByLabel("To", { exact: true }).fill("2001-01-01");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.getByText("No event matches.").waitFor();
  await page.getByRole("button", { name: "Clear" }).click();
  await actions.filter({ hasText: "apikey.revoke" }).waitFor();
  assert.deepEqual(errors, []);
});
