// Builds dist/index.html and dist/console.js (one script, fixed name: Envoy serves the two
// files under /console/). The SDK is used from its sources, so its changes flow in.
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
    rollupOptions: { output: { entryFileNames: "console.js" } },
  },
});
