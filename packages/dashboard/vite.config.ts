import { defineConfig } from "vite";

// Preact through Vite's own JSX transform (esbuild): no Babel, no preset plugin.
export default defineConfig({
  base: "/dashboard/",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // The authority's Content-Security-Policy allows no inline script: keep every module a file.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    target: "es2022",
  },
});
