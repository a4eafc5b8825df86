// What the console's browser tests share: the environment, one Chromium, pages that collect
// console errors and uncaught errors, log-in through the form, screenshots to OUTPUT_DIR.
import assert from "node:assert/strict";
import { after, before } from "node:test";

import { chromium } from "playwright-core";

export const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `${name} is not set`);
  return value;
};
export const EDGE = env("EDGE");
export const PASSWORD = env("PASSWORD");
export const KEY = "privexbot.console.session";

let browser;
before(async () => {
  browser = await chromium.launch({ executablePath: env("CHROMIUM"), args: ["--no-sandbox"] });
});
after(async () => {
  await browser?.close();
});

/**
 * A console page at `width` (at `path`; null: not opened yet); `errors` collects console
 * errors and uncaught errors.
 */
export async function open(width, path = "/console/") {
  const context = await browser.newContext({ viewport: { width, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (msg) => msg.type() === "error" && errors.push(msg.text()));
  if (path !== null) await page.goto(`${EDGE}${path}`);
  return { page, errors };
}

/** Logs `email` in through the form. */
export async function logIn(page, email) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in", exact: true }).click();
}

export const shot = (page, name) => page.screenshot({ path: `${env("OUTPUT_DIR")}/${name}.png`, fullPage: true });

/** A REST call through Envoy (JSON), as a backend would make it. */
export async function rest(method, path, headers = {}, body = undefined) {
  const reply = await fetch(`${EDGE}${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: body && JSON.stringify(body),
  });
  return { status: reply.status, body: await reply.json().catch(() => null) };
}

/** Waits for `locator`; when it does not come, fails with the alerts the page shows. */
export async function shown(page, locator, timeout = 30_000) {
  try {
    await locator.waitFor({ timeout });
  } catch (error) {
    const alerts = await page.getByRole("alert").allTextContents();
    await shot(page, "console-failure");
    throw new Error(`${error.message}\npage alerts: ${JSON.stringify(alerts)}`);
  }
}
