// The embed snippet as a builder copies it from the console, pasted into a shop's page on
// another origin: a visitor chats through the widget and rates the answer; back in the
// console, the conversation, its rating and the figures show it. Run by
// tests/e2e/test_console.py with OWNER (whose workspace has the published "Returns helper",
// allowed on HOST) and HOST (a page server of another origin than the console's).
import assert from "node:assert/strict";
import { test } from "node:test";

import { env, logIn, open, shot, shown } from "./lib.mjs";

const figure = (page, label) =>
  page.getByTestId("analytics-totals").locator("div", { has: page.getByText(label, { exact: true }) }).locator("dd");

async function openChatbot(page) {
  await page.getByRole("button", { name: "Chatbots" }).click();
  await page.getByRole("button", { name: "Returns helper" }).click();
  await page.getByRole("heading", { name: "Chatbot: Returns helper" }).waitFor();
}

test("the copied snippet chats on another origin, and the console shows the conversation", async () => {
  const { page, errors } = await open(1280);
  await logIn(page, env("OWNER"));
  await openChatbot(page);
  await figure(page, "Conversations").filter({ hasText: /^0$/ }).waitFor();
  await page.getByRole("button", { name: "Rotate publishable key" }).click();
  const snippet = await page.getByTestId("embed-snippet").textContent();
  const attribute = (name) => snippet.match(new RegExp(`${name}="([^"]+)"`))[1];

  // The shop's page carries the snippet's script tag, as pasted.
  const shop = (await open(1280, null)).page;
  const query = new URLSearchParams({
    src: attribute("src"),
    chatbot: attribute("data-chatbot"),
    key: attribute("data-key"),
  });
  await shop.goto(`${env("HOST")}/page?${query}`);
  const widget = shop.locator("#privexbot-widget");
  await widget.getByRole("button", { name: "Open chat" }).click();
  const box = widget.getByRole("textbox", { name: "Your message" });
  await box.fill("How fast are refunds paid?");
  await box.press("Enter");
  const answer = widget.locator(".msg.assistant").last();
  await answer.locator(".rate").waitFor({ timeout: 120_000 });
  await answer.getByRole("button", { name: "Helpful", exact: true }).click();
  await answer.locator('[aria-label="Helpful"][aria-pressed="true"]').waitFor();
  await shot(shop, "console-embed-widget-answered-1280");

  // Back in the console: the figures, the conversation and the visitor's rating.
  await page.reload();
  await openChatbot(page);
  await shown(page, figure(page, "Conversations").filter({ hasText: /^1$/ }));
  assert.equal(await figure(page, "Messages").textContent(), "2");
  assert.equal(await figure(page, "Thumbs up").textContent(), "1");
  await page.getByRole("list", { name: "Conversations" }).getByRole("button", { name: /2 messages/ }).click();
  const transcript = page.getByRole("list", { name: "Transcript" });
  await transcript.getByText("user: How fast are refunds paid?").waitFor();
  assert.match(await transcript.getByTestId("rating").textContent(), /thumbs up/);
  await shot(page, "console-embed-analytics-1280");
  assert.deepEqual(errors, []);
});
