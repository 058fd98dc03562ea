/**
 * `tessera keys suspend|resume`, `tessera keys issue --canary`, `tessera keys list --canary
 * --state suspended` and `tessera principals suspend|resume`, against a real authority.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { runCli } from "../../src/cli/program.js";
import { loadConfig } from "../../src/config.js";
import { type RunningAuthority, startAuthority } from "../../src/server.js";
import { capture } from "../cli-capture.js";
import { createTestStore, describeEachStore, type TestStore } from "../stores.js";

describeEachStore("tessera CLI: suspension and canaries", (kind) => {
  let store: TestStore;
  let server: RunningAuthority;
  let env: Record<string, string | undefined>;
  const tessera = async (...argv: string[]) => {
    const c = capture(env);
    const code = await runCli(argv, c.io);
    return { code, out: c.out(), err: c.err() };
  };

  beforeAll(async () => {
    store = await createTestStore(kind);
    server = await startAuthority(loadConfig({}, { databaseUrl: store.url, port: 0 }), { logger: false });
    env = {
      TESSERA_URL: server.url,
      TESSERA_ADMIN_KEY: server.bootstrap.rootKey?.secret,
      TESSERA_DATABASE_URL: store.url,
    };
  });
  afterAll(async () => {
    await server.close();
    await store.drop();
  });

  it("suspends and resumes a key and a principal, and issues and lists a canary", async () => {
    const added = await tessera(
      "--json",
      "principals",
      "add",
      "--name",
      "svc",
      "--owner",
      "o",
      "--scope",
      "orders:read",
    );
    const principalId = JSON.parse(added.out).id as string;
    const issued = await tessera("--json", "keys", "issue", "--principal", principalId, "--scope", "orders:read");
    const keyId = JSON.parse(issued.out).key.id as string;

    expect((await tessera("keys", "suspend", keyId)).code).not.toBe(0); // --reason is required
    const suspended = await tessera("keys", "suspend", keyId, "--reason", "odd traffic", "--wait", "0s");
    expect(suspended.code).toBe(0);
    expect(suspended.out).toContain(`suspended ${keyId}`);
    const shown = await tessera("keys", "show", keyId);
    expect(shown.out).toMatch(/state:\s+suspended/);
    expect(shown.out).toContain("odd traffic");
    const listed = await tessera("--json", "keys", "list", "--state", "suspended");
    expect(JSON.parse(listed.out).items.map((k: { id: string }) => k.id)).toEqual([keyId]);
    const resumedKey = await tessera("keys", "resume", keyId, "--reason", "x");
    expect(resumedKey.code).toBe(0);
    expect(resumedKey.out).toContain(`resumed ${keyId}`);
    const again = await tessera("keys", "resume", keyId, "--reason", "x");
    expect(again.code).not.toBe(0);
    expect(again.err).toContain("key_not_suspended");

    const principal = await tessera("--json", "principals", "suspend", principalId, "--reason", "investigation");
    expect(principal.code).toBe(0);
    expect(JSON.parse(principal.out)).toMatchObject({ changed: true, keyIds: [keyId] });
    const resumed = await tessera("principals", "resume", principalId, "--reason", "cleared");
    expect(resumed.out).toContain(`resumed ${principalId}`);

    const canary = await tessera("--json", "keys", "issue", "--principal", principalId, "--canary");
    expect(canary.code).toBe(0);
    const decoy = JSON.parse(canary.out);
    expect(decoy.key).toMatchObject({ canary: true, scopes: [] });
    expect(decoy.secret).toMatch(/^tsk_/);
    const canaries = await tessera("--json", "keys", "list", "--canary");
    expect(JSON.parse(canaries.out).items.map((k: { id: string }) => k.id)).toEqual([decoy.key.id]);
  });
});
