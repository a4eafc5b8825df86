// An existing chatbot edited and published again, rolled back, its analytics (figures and
// per-day SVG charts) and its conversation's transcript. Run by tests/e2e/test_console.py with OWNER, whose workspace has
// the published chatbot "Returns helper" with one conversation and a thumbs-up in it.
import assert from "node:assert/strict";
import { test } from "node:test";

import { env, logIn, open, shot } from "./lib.mjs";

const figure = (page, label) =>
  page.getByTestId("analytics-totals").locator("div", { has: page.getByText(label, { exact: true }) }).locator("dd");

test("a chatbot's configuration is edited, published as version 2, rolled back; its analytics", async () => {
  const { page, errors } = await open(1280);
  await logIn(page, env("OWNER"));
  await page.getByRole("button", { name: "Chatbots" }).click();
  await page.getByRole("list", { name: "Chatbots" }).getByText("published version 1").waitFor();
  await page.getByRole("button", { name: "Returns helper" }).click();
  await page.getByRole("heading", { name: "Chatbot: Returns helper" }).waitFor();

  // Analytics: what the conversation left, today's bar in each chart.
  await figure(page, "Conversations").filter({ hasText: /^1$/ }).waitFor();
  assert.equal(await figure(page, "Messages").textContent(), "2");
  assert.equal(await figure(page, "Thumbs up").textContent(), "1");
  assert.equal(await page.getByTestId("chart-conversations").locator("rect").count(), 7);
  assert.equal(await page.getByTestId("chart-conversations").locator("rect").last().getAttribute("data-value"), "1");
  assert.equal(await page.getByTestId("chart-messages").locator("rect").last().getAttribute("data-value"), "2");
  await page.getByLabel("Range").selectOption({ label: "last 30 days" });
  await page.getByTestId("chart-messages").locator("rect").nth(29).waitFor();
  assert.equal(await page.getByTestId("chart-messages").locator("rect").last().getAttribute("data-value"), "2");
  await shot(page, "console-analytics-1280");

  // The conversation and its transcript, with the rating it got.
  await page.getByRole("list", { name: "Conversations" }).getByRole("button", { name: /2 messages/ }).click();
  const transcript = page.getByRole("list", { name: "Transcript" });
  await transcript.getByText("user: How fast are refunds paid?").waitFor();
  assert.match(await transcript.getByTestId("rating").textContent(), /thumbs up/);

  // Edit the working configuration; chat keeps version 1 until published.
  const before = await page.getByLabel("Instructions").inputValue();
  await page.getByLabel("Instructions").fill("You answer questions about returns, in one sentence.");
  await page.getByLabel("Temperature").fill("0.2");
  await page.getByLabel("Grounding").selectOption({ label: "strict" });
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.getByTestId("saved").waitFor();
  assert.equal(await page.getByTestId("published").textContent(), "Published version 1");
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await page.getByTestId("published").filter({ hasText: "Published version 2" }).waitFor();
  const versions = page.getByRole("table", { name: "Published versions" });
  await versions.getByRole("cell", { name: "You answer questions about returns, in one sentence." }).waitFor();
  assert.equal(await page.getByLabel("Grounding").inputValue(), "1", "strict, as saved");
  await shot(page, "console-chatbot-edited-1280");

  await page.getByRole("button", { name: "Roll back to 1" }).click();
  await page.getByTestId("published").filter({ hasText: "Published version 3" }).waitFor();
  assert.equal(await page.getByLabel("Instructions").inputValue(), before);
  assert.deepEqual(errors, []);
});

test("a chatbot is connected to Slack, disabled and disconnected; a refused key is said so", async () => {
  const { page, errors } = await open(1280);
  await logIn(page, env("OWNER"));
  await page.getByRole("button", { name: "Chatbots" }).click();
  await page.getByRole("button", { name: "Returns helper" }).click();
  const channels = page.getByRole("table", { name: "Channel connections" });
  await channels.getByText("Not connected to any messaging platform.").waitFor();
  const connect = page.getByRole("form", { name: "Connect a channel" });

  // Discord's public key must be hex: the server's field violation is shown.
  await connect.getByLabel("Platform").selectOption({ label: "discord" });
  await connect.getByLabel("Channel name").fill("Support Discord");
  await connect.getByLabel("Bot token").fill("discord-token");
  await connect.getByLabel("Application public key").fill("not hex");
  await connect.getByLabel("Application id").fill("1234");
  await connect.getByRole("button", { name: "Connect channel" }).click();
  await page.getByRole("alert").filter({ hasText: /public_key/ }).waitFor();

  await connect.getByLabel("Platform").selectOption({ label: "slack" });
  assert.equal(await connect.getByLabel("Application id").count(), 0, "Slack's own credentials");
  await connect.getByLabel("Channel name").fill("Support Slack");
  await connect.getByLabel("Bot token").fill("xoxb-test-token");
  await connect.getByLabel("Signing secret").fill("slack-signing-secret");
  await connect.getByRole("button", { name: "Connect channel" }).click();
  const row = channels.getByRole("row", { name: /Support Slack/ });
  await row.getByText("enabled").waitFor();
  assert.match(await row.textContent(), /^slackSupport Slack.*\/webhooks\/slack\//);
  assert.doesNotMatch(await page.locator("main").textContent(), /xoxb-test-token|slack-signing-secret/);
  await shot(page, "console-channels-1280");

  await page.getByRole("button", { name: "Disable Support Slack" }).click();
  await row.getByText("disabled").waitFor();
  await page.getByRole("button", { name: "Delete Support Slack" }).click();
  await channels.getByText("Not connected to any messaging platform.").waitFor();
  assert.deepEqual(errors, []);
});
