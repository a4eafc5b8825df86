// Builds dist/widget.js (one minified IIFE: the widget and the SDK parts it uses) beside
// dist/demo.html, the two files Envoy serves under /widget/, and prints the bundle's size;
// fails when the gzipped size is over the budget.
import { copyFileSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

import { build } from "esbuild";

const BUDGET = 60 * 1024; // bytes, gzipped
const out = "dist/widget.js";
await build({
  entryPoints: ["src/widget.ts"],
  outfile: out,
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2022"],
  legalComments: "none",
  // The SDK's dependencies live beside it.
  nodePaths: ["../../clients/typescript/node_modules"],
  logLevel: "warning",
});
copyFileSync("demo.html", "dist/demo.html");
const bytes = readFileSync(out);
const gzipped = gzipSync(bytes, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`widget: ${out} ${kb(bytes.length)}, ${kb(gzipped)} gzipped (budget ${kb(BUDGET)})`);
if (gzipped > BUDGET) {
  console.error("widget: over the size budget");
  process.exit(1);
}
