// Prints the console's gzipped initial JS (goal <= 300 KB; the flow editor's script, loaded
// when it opens, apart) and the dashboard's first-load
// time in headless Chromium (goal <= 1 s): from navigation to the signed-in dashboard shown,
// a cold browser context, best of RUNS. Needs EDGE (Envoy serving /console/), EMAIL and
// PASSWORD of an existing user, CHROMIUM; tests/e2e/test_console.py runs it once.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

import { chromium } from "playwright-core";

const { EDGE, EMAIL, PASSWORD, CHROMIUM } = process.env;
const RUNS = Number(process.env.RUNS ?? 3);
const KEY = "privexbot.console.session";

const gzippedKb = (file) =>
  Number((gzipSync(readFileSync(new URL(`dist/${file}`, import.meta.url)), { level: 9 }).length / 1024).toFixed(1));

const login = await fetch(`${EDGE}/v1/auth/email:logIn`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
});
if (!login.ok) throw new Error(`log-in: ${login.status} ${await login.text()}`);
const session = await login.json();
const stored = JSON.stringify({ accessToken: session.accessToken, refreshToken: session.refreshToken });

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
const times = [];
try {
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(([key, value]) => sessionStorage.setItem(key, value), [KEY, stored]);
    const page = await context.newPage();
    const start = performance.now();
    await page.goto(`${EDGE}/console/`);
    await page.getByTestId("current-workspace").waitFor();
    times.push(performance.now() - start);
    await context.close();
  }
} finally {
  await browser.close();
}
const best = Math.min(...times);
console.log(
  JSON.stringify({
    initial_js_gzipped_kb: gzippedKb("console.js"),
    // Loaded only when the flow editor opens.
    flow_editor_js_gzipped_kb: gzippedKb("FlowEditor.js"),
    initial_js_goal_kb: 300,
    dashboard_first_load_ms: Math.round(best),
    dashboard_first_load_goal_ms: 1000,
    runs_ms: times.map(Math.round),
  }),
);
