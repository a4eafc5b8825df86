// The widget in headless Chromium, embedded in host pages served from other origins than
// Envoy's. Run by tests/e2e/test_widget_browser.py, which makes the chatbot, serves the
// pages and checks results.json against the API. Every page fails its test on `pageerror`.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { after, before, test } from "node:test";

import { chromium } from "playwright-core";

const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `${name} is not set`);
  return value;
};
const EDGE = env("EDGE");
const CHATBOT = env("CHATBOT");
const KEY = env("KEY");
const OUTPUT = env("OUTPUT_DIR");
const QUESTION = "How fast are refunds paid?";

let browser;
before(async () => {
  browser = await chromium.launch({ executablePath: env("CHROMIUM"), args: ["--no-sandbox"] });
});
after(async () => {
  await browser?.close();
});

/** A page on `host` embedding the widget; `errors` collects uncaught errors. */
async function open(host, { chatbot = CHATBOT, key = KEY, api = "", context } = {}) {
  const page = await (context ?? browser).newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  const query = new URLSearchParams({ chatbot, key, api, src: `${EDGE}/widget/widget.js` });
  await page.goto(`${host}/page?${query}`);
  return { page, errors };
}

const widget = (page) => page.locator("#privexbot-widget");

/** The refusal the widget shows in its panel (opened by itself). */
async function refusal(page) {
  const alert = widget(page).getByRole("alert");
  await alert.filter({ hasText: /\S/ }).waitFor({ timeout: 20_000 });
  return alert.textContent();
}

test("a visitor asks, watches the answer stream in, rates it, reloads and goes on", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const { page, errors } = await open(env("ALLOWED_HOST"), { context });
  const launcher = widget(page).getByRole("button", { name: "Open chat" });
  // The host's `button { display: none !important }` does not reach into the shadow root,
  // and the widget's CSS does not leak out.
  await launcher.waitFor({ state: "visible" });
  assert.equal(await page.locator("#host-text").evaluate((p) => getComputedStyle(p).color), "rgb(10, 120, 30)");

  // Keyboard: the launcher opens the dialog and focuses the message box; Escape closes it.
  await launcher.focus();
  await page.keyboard.press("Enter");
  const dialog = widget(page).getByRole("dialog", { name: "Returns helper" });
  await dialog.waitFor();
  const box = widget(page).getByRole("textbox", { name: "Your message" });
  assert.ok(await box.evaluate((el) => el === el.getRootNode().activeElement));
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });
  await launcher.click();
  await widget(page).getByText("Hi! Ask me about returns.").waitFor();
  // The chatbot's appearance: dark theme, its colour.
  const look = await widget(page).locator("header").evaluate((el) => [getComputedStyle(el).backgroundColor, getComputedStyle(el.closest(".panel")).backgroundColor]);
  assert.deepEqual(look, ["rgb(130, 80, 223)", "rgb(22, 27, 34)"]);

  // Count the answer's text changes as they happen, in the ARIA live log.
  await widget(page).getByRole("log").evaluate((log) => {
    window.__updates = 0;
    new MutationObserver(() => {
      const answer = log.querySelector(".msg.assistant[aria-busy] .text");
      if (answer && answer.textContent) window.__updates += 1;
    }).observe(log, { subtree: true, childList: true, characterData: true });
  });
  await box.fill(QUESTION);
  await box.press("Enter");
  const answer = widget(page).locator(".msg.assistant").last();
  await answer.locator(".rate").waitFor({ timeout: 120_000 });
  const updates = await page.evaluate(() => window.__updates);
  assert.ok(updates >= 3, `the answer arrived in ${updates} DOM updates`);
  assert.ok((await answer.locator(".text").textContent()).trim().length > 0);
  assert.match(await answer.locator(".citations").textContent(), /returns\.md › Returns/);
  assert.equal(await answer.locator(".verdict").textContent(), "Not attested — development");

  await answer.getByRole("button", { name: "Helpful", exact: true }).click();
  await answer.locator('[aria-label="Helpful"][aria-pressed="true"]').waitFor();
  await page.screenshot({ path: `${OUTPUT}/widget-answered.png` });
  const saved = await page.evaluate((name) => JSON.parse(localStorage.getItem(`privexbot:${name}`)), CHATBOT);
  assert.match(saved.visitor, /^v-[0-9a-f]{24}$/);
  assert.ok(saved.session.startsWith(`${CHATBOT}/sessions/`));

  // After a reload the transcript is back and the next question continues the session.
  await page.reload();
  await widget(page).getByRole("button", { name: "Open chat" }).click();
  await widget(page).getByText(QUESTION).waitFor();
  await widget(page).locator('[aria-label="Helpful"][aria-pressed="true"]').waitFor();
  await box.fill("And exchanges?");
  await box.press("Enter");
  await widget(page).locator(".msg.assistant").nth(1).locator(".rate").waitFor({ timeout: 120_000 });
  const again = await page.evaluate((name) => JSON.parse(localStorage.getItem(`privexbot:${name}`)), CHATBOT);
  assert.equal(again.session, saved.session);
  assert.equal(again.visitor, saved.visitor);

  // Mobile width: the panel takes the whole screen.
  await page.setViewportSize({ width: 375, height: 700 });
  assert.equal(await dialog.evaluate((el) => el.getBoundingClientRect().width), 375);

  writeFileSync(
    `${OUTPUT}/results.json`,
    JSON.stringify({ session: saved.session, visitor: saved.visitor, rated_message: saved.entries[1].message }),
  );
  assert.deepEqual(errors, []);
  await context.close();
});

test("the demo page Envoy serves embeds the chatbot and chats", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(`${EDGE}/widget/demo.html?${new URLSearchParams({ chatbot: CHATBOT, key: KEY })}`);
  await widget(page).getByRole("button", { name: "Open chat" }).click();
  const box = widget(page).getByRole("textbox", { name: "Your message" });
  await widget(page).getByRole("dialog", { name: "Returns helper" }).waitFor();
  await box.fill(QUESTION);
  await box.press("Enter");
  await widget(page).locator(".msg.assistant .rate").waitFor({ timeout: 120_000 });

  // Stop ends a reply mid-stream: the partial text stays, without thumbs (no stored answer).
  await box.fill("Write a very long story about refunds.");
  await box.press("Enter");
  const partial = widget(page).locator(".msg.assistant").last();
  await partial.locator(".text").filter({ hasText: /\S/ }).waitFor({ timeout: 60_000 });
  await widget(page).getByRole("button", { name: "Stop" }).click();
  await widget(page).getByRole("button", { name: "Send" }).waitFor({ timeout: 5_000 });
  assert.equal(await partial.getAttribute("aria-busy"), null);
  assert.equal(await partial.locator(".rate").count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a chatbot that asks for contact details gets them, with consent, before the chat", async () => {
  const { page, errors } = await open(env("ALLOWED_HOST"), { chatbot: env("LEAD_CHATBOT"), key: env("LEAD_KEY") });
  await widget(page).getByRole("button", { name: "Open chat" }).click();
  const form = widget(page).getByRole("form", { name: "Your contact details" });
  await form.waitFor();
  assert.equal(await widget(page).getByRole("textbox", { name: "Your message" }).isVisible(), false);
  await form.getByRole("textbox", { name: "Email" }).fill("ada@example.com");
  await form.getByRole("textbox", { name: "Name" }).fill("Ada");
  await form.getByRole("textbox", { name: "Company" }).fill("Analytical Engines");
  await form.getByRole("checkbox", { name: /You may email me/ }).check();
  await form.getByRole("button", { name: "Continue" }).click();
  const box = widget(page).getByRole("textbox", { name: "Your message" });
  await box.fill("Do you ship to Norway?");
  await box.press("Enter");
  await widget(page).locator(".msg.assistant .rate").waitFor({ timeout: 120_000 });
  const saved = await page.evaluate((name) => JSON.parse(localStorage.getItem(`privexbot:${name}`)), env("LEAD_CHATBOT"));
  assert.equal(saved.leadGiven, true);
  writeFileSync(`${OUTPUT}/lead.json`, JSON.stringify({ session: saved.session }));
  assert.deepEqual(errors, []);
  await page.close();
});

test("a page from an origin the chatbot does not allow is refused in words", async () => {
  const { page, errors } = await open(env("REFUSED_HOST"));
  assert.equal(await refusal(page), "This website is not allowed to use this chatbot.");
  assert.deepEqual(errors, []);
  await page.close();
});

test("wrong attributes, a revoked key, Envoy down or the server behind it down: explained, never thrown", async () => {
  const host = env("ALLOWED_HOST");
  const missingBot = CHATBOT.replace(/chatbots\/[^/]+$/, "chatbots/missing");
  for (const [options, expected] of [
    [{ chatbot: "my-bot" }, /data-chatbot must name organizations/],
    [{ key: "" }, /data-key \(the publishable key\) is missing/],
    [{ chatbot: missingBot }, /This chatbot does not exist/],
    [{ key: env("REVOKED_KEY") }, /it may have been revoked/],
    [{ key: `${KEY}x` }, /it may have been revoked/],
    [{ api: env("UNREACHABLE_API") }, /cannot be reached/],
    [{ api: env("SERVER_DOWN_API") }, /cannot be reached/],
  ]) {
    const { page, errors } = await open(host, options);
    assert.match(await refusal(page), expected, JSON.stringify(options));
    assert.deepEqual(errors, [], JSON.stringify(options));
    await page.close();
  }
});
