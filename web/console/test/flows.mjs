// A chatflow built on the canvas: start → knowledge → llm → answer, added from the palette,
// connected by dragging handles, configured in the side panel; validated with one planted
// error shown on its node, fixed, run with node events lighting the graph up as they
// stream, finalized, published again and rolled back. Run by tests/e2e/test_console.py with OWNER, whose
// workspace has the knowledge base "Help" (returns.md, Ready).
import assert from "node:assert/strict";
import { test } from "node:test";

import { env, logIn, open, shot, shown } from "./lib.mjs";

const node = (page, id) => page.locator(`.react-flow__node[data-id="${id}"]`);

/** Drags from `source`'s output handle to `target`'s input handle. */
async function connect(page, source, target) {
  await node(page, source).locator(".react-flow__handle.source").dragTo(node(page, target).locator(".react-flow__handle.target"));
  await page.locator(`.react-flow__edge[data-id="e-${source}-out-${target}"]`).waitFor();
}

/** Clicks the palette button for `type`; the new node is selected in the side panel. */
async function add(page, type) {
  await page.getByRole("button", { name: `Add ${type}`, exact: true }).click();
  await page.getByRole("heading", { name: new RegExp(`^${type} ${type}\\d+$`) }).waitFor();
  return (await page.locator("#panel-title code").textContent()).trim();
}

test("a chatflow is built on the canvas, validated, fixed, run and published", async () => {
  const { page, errors } = await open(1280);
  await logIn(page, env("OWNER"));
  await page.getByRole("button", { name: "Chatflows" }).click();
  await page.getByLabel("New chatflow").fill("Handbook flow");
  await page.getByRole("button", { name: "Create" }).click();
  await page.getByRole("heading", { name: "Chatflow draft: Handbook flow" }).waitFor();
  await node(page, "start").waitFor();

  const kb = await add(page, "knowledge"); // planted error: no knowledge base chosen
  const llm = await add(page, "llm");
  await page.getByLabel("system").fill(`Answer from this context in one sentence.\n{{ ${kb}.context }}`);
  await page.getByLabel("user").fill("{{ sys.message }}");
  await page.getByLabel("max tokens").fill("32");
  await page.getByLabel("temperature").fill("0");
  const answer = await add(page, "answer");
  await page.getByLabel("text *").fill(`{{ ${llm}.text }}`);
  await page.getByLabel("citations from (one per line)").fill(kb);
  await page.getByRole("button", { name: "Fit View" }).click();
  await connect(page, "start", kb);
  await connect(page, kb, llm);
  await connect(page, llm, answer);

  // The server's issue lands on the node it names.
  await page.getByRole("button", { name: "Validate" }).click();
  await page.getByTestId("validation").filter({ hasText: "problem(s)" }).waitFor();
  await node(page, kb).locator(".step.invalid").getByText(/knowledge_bases.*required/).waitFor();
  assert.equal(await node(page, llm).locator(".step.invalid").count(), 0);
  await shot(page, "console-flow-invalid-1280");

  await node(page, kb).click();
  await page.getByRole("complementary").getByLabel("Help", { exact: true }).check();
  await page.getByRole("button", { name: "Validate" }).click();
  await page.getByTestId("validation").filter({ hasText: "No problems found" }).waitFor();
  assert.equal(await page.locator(".step.invalid").count(), 0);

  // Every state each node shows while the run streams.
  await page.evaluate(() => {
    window.states = [];
    new MutationObserver(() => {
      for (const each of document.querySelectorAll(".react-flow__node .step")) {
        const seen = `${each.closest(".react-flow__node").dataset.id}:${each.dataset.state}`;
        if (!window.states.includes(seen)) window.states.push(seen);
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-state"] });
    window.runEnded = () => {
      const state = document.querySelector("[data-testid=run-state]")?.textContent;
      return Boolean(state) && state !== "running";
    };
  });
  await page.getByLabel("Run with message").fill("How fast are refunds paid?");
  await page.getByRole("button", { name: "Run", exact: true }).click();
  // Mid-run (the model's node running) for the screenshot, then the run's end.
  await page.waitForFunction(
    (id) => window.states.includes(`${id}:running`) || window.runEnded(),
    llm,
    { timeout: 60_000 },
  );
  await shot(page, "console-flow-running-1280");
  await page.waitForFunction(() => window.runEnded(), null, { timeout: 120_000 });
  const ended = await page.getByTestId("run-state").textContent();
  const alerts = await page.getByRole("alert").allTextContents();
  assert.equal(ended, "succeeded", `the run: ${alerts} ${await page.getByRole("list", { name: "Run events" }).textContent()}`);
  const states = await page.evaluate(() => window.states);
  // Each node lit up as its events arrived, in the graph's order (a fast node's start and
  // end may land in one render; the model's node is seen running).
  const done = ["start", kb, llm, answer].map((id) => states.indexOf(`${id}:succeeded`));
  assert.ok(done.every((at) => at >= 0), `every node succeeded: ${states}`);
  assert.deepEqual(done, [...done].sort((a, b) => a - b), `in order: ${states}`);
  const llmRan = states.indexOf(`${llm}:running`);
  assert.ok(llmRan >= 0 && llmRan < done[2], `${llm} seen running before it finished: ${states}`);
  assert.ok((await page.getByTestId("run-output").textContent()).trim().length > 0);
  await page.getByRole("list", { name: "Run events" }).getByText(`${answer} succeeded`).waitFor();

  await page.getByRole("button", { name: "Finalize" }).click();
  await page.getByRole("heading", { name: "Chatflow: Handbook flow" }).waitFor();
  // Finalizing publishes version 1; Publish makes version 2; rolling back makes runs use 1.
  await shown(page, page.getByTestId("flow-published").filter({ hasText: "Published version 1" }));
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await shown(page, page.getByTestId("flow-published").filter({ hasText: "Published version 2" }));
  await page.getByRole("list", { name: "Versions" }).getByText(/Version 2/).waitFor();
  await page.getByRole("button", { name: "Roll back to 1" }).click();
  await shown(page, page.getByRole("button", { name: "Roll back to 2" }));
  assert.equal(await page.getByTestId("flow-published").textContent(), "Published version 1");
  await shot(page, "console-flow-published-1280");
  assert.deepEqual(errors, []);
});
