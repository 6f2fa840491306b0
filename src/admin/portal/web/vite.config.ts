/**
 * Builds the web portal (Preact, TypeScript) into dist/portal, which Berth serves at `/`
 * (src/admin/portal/static.ts). Relative asset URLs, so it works under any http.prefix.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root: here,
  base: "./",
  logLevel: "warn",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: fileURLToPath(new URL("../../../../dist/portal", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    // No inline module-preload polyfill: the Content-Security-Policy allows only own script files.
    modulePreload: { polyfill: false },
  },
});
