import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const verifierSrc = fileURLToPath(new URL("./packages/verifier/src/", import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run the TypeScript sources directly; the packages' `exports` point at dist/.
    alias: [
      { find: /^@tessera\/verifier$/, replacement: `${verifierSrc}index.ts` },
      { find: /^@tessera\/verifier\/(.*)$/, replacement: `${verifierSrc}$1.ts` },
    ],
  },
  test: {
    include: ["packages/*/src/**/*.test.ts", "packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // PostgreSQL-backed suites share one database; files run in parallel but each creates its
    // own schema, so they do not see each other's rows.
    pool: "forks",
  },
});
