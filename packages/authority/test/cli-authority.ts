/**
 * Test helper: a real authority on loopback and `tessera` run against it with the root key in
 * the environment, as a new user runs the CLI.
 */
import { runCli } from "../src/cli/program.js";
import { loadConfig } from "../src/config.js";
import { type RunningAuthority, startAuthority } from "../src/server.js";
import { capture } from "./cli-capture.js";
import { createTestStore, type StoreKind } from "./stores.js";

export interface CliAuthority {
  server: RunningAuthority;
  env: Record<string, string | undefined>;
  tessera(...argv: string[]): Promise<{ code: number; out: string; err: string }>;
  close(): Promise<void>;
}

export async function startCliAuthority(kind: StoreKind): Promise<CliAuthority> {
  const store = await createTestStore(kind);
  const server = await startAuthority(loadConfig({}, { databaseUrl: store.url, port: 0 }), { logger: false });
  const env = { TESSERA_URL: server.url, TESSERA_ADMIN_KEY: server.bootstrap.rootKey?.secret };
  return {
    server,
    env,
    async tessera(...argv) {
      const c = capture(env);
      const code = await runCli(argv, c.io);
      return { code, out: c.out(), err: c.err() };
    },
    async close() {
      await server.close();
      await store.drop();
    },
  };
}
