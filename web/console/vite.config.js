// Builds dist/index.html, dist/console.js and dist/FlowEditor.js (fixed names: Envoy serves
// the three files under /console/; a new lazy chunk needs its route in envoy/envoy.yaml).
// FlowEditor.js, the flow editor with its canvas library, is imported when the editor
// opens, so the dashboard's first load does without it. The SDK is used from its sources, so its changes flow in.
import { fileURLToPath } from "node:url";

import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const sdk = fileURLToPath(new URL("../../clients/typescript/src/index.ts", import.meta.url));

export default defineConfig({
  base: "/console/",
  plugins: [react()],
  resolve: { alias: { "@privexbot/client": sdk } },
  build: {
    assetsDir: "",
    modulePreload: false,
    rollupOptions: { output: { entryFileNames: "console.js", chunkFileNames: "[name].js" } },
  },
});
