/**
 * A first start that cannot bind its port creates nothing: the root key is made only after the
 * server listens, so the start that follows on a free port still creates and shows it.
 */
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runCli } from "../../src/cli/program.js";
import { loadConfig } from "../../src/config.js";
import { startAuthority } from "../../src/server.js";
import { capture } from "../cli-capture.js";
import { createTestStore, describeEachStore, type TestStore } from "../stores.js";

describeEachStore("serve on a taken port", (kind) => {
  let store: TestStore;
  let blocker: Server;
  let port: number;

  beforeAll(async () => {
    store = await createTestStore(kind);
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    port = (blocker.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => blocker.close(resolve));
    await store.drop();
  });

  it("says which port is taken and what to set, and creates no root key", async () => {
    const config = loadConfig({}, { databaseUrl: store.url, port, host: "127.0.0.1" });
    await expect(startAuthority(config, { logger: false })).rejects.toMatchObject({
      code: "address_in_use",
      message: expect.stringContaining(`port ${port} is in use`),
    });
    const c = capture({ TESSERA_DATABASE_URL: store.url, TESSERA_PORT: String(port) });
    expect(await runCli(["serve"], c.io)).toBe(1);
    expect(c.err()).toContain("set TESSERA_PORT or --port");
    expect(c.out()).not.toContain("tsk_");

    const next = await startAuthority(loadConfig({}, { databaseUrl: store.url, port: 0 }), { logger: false });
    try {
      expect(next.bootstrap.rootKey?.secret).toMatch(/^tsk_/);
    } finally {
      await next.close();
    }
  });
});
