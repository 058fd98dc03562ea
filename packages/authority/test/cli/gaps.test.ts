/**
 * The CLI commands a new user found missing (issue 11 item 12): changing a principal's scopes
 * or owner, disabling with --wait and a receipt, showing a receipt later.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { runCli } from "../../src/cli/program.js";
import { loadConfig } from "../../src/config.js";
import { type RunningAuthority, startAuthority } from "../../src/server.js";
import { capture } from "../cli-capture.js";
import { createTestStore, describeEachStore, type TestStore } from "../stores.js";

describeEachStore("tessera CLI: principals update, disable --wait, receipts show", (kind) => {
  let store: TestStore;
  let server: RunningAuthority;
  let env: Record<string, string | undefined>;
  const tessera = async (...argv: string[]) => {
    const c = capture(env);
    const code = await runCli(argv, c.io);
    return { code, out: c.out(), err: c.err() };
  };
  const json = async <T>(...argv: string[]): Promise<T> => {
    const result = await tessera("--json", ...argv);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    return JSON.parse(result.out) as T;
  };

  beforeAll(async () => {
    store = await createTestStore(kind);
    server = await startAuthority(loadConfig({}, { databaseUrl: store.url, port: 0 }), { logger: false });
    env = { TESSERA_URL: server.url, TESSERA_ADMIN_KEY: server.bootstrap.rootKey?.secret };
  });
  afterAll(async () => {
    await server.close();
    await store.drop();
  });

  async function principalWithKey(scopes: string[]) {
    const p = await json<{ id: string }>(
      "principals",
      "add",
      "--name",
      `svc-${Math.random().toString(36).slice(2)}`,
      "--owner",
      "team-a",
      ...scopes.flatMap((s) => ["--scope", s]),
    );
    const issued = await json<{ key: { id: string } }>(
      "keys",
      "issue",
      "--principal",
      p.id,
      "--scope",
      scopes.join(","),
    );
    return { principalId: p.id, keyId: issued.key.id };
  }

  it("principals update changes the owner, and narrowing the scopes revokes the keys that exceed them", async () => {
    const { principalId, keyId } = await principalWithKey(["orders:read", "orders:write"]);
    const owner = await tessera("principals", "update", principalId, "--owner", "platform-team");
    expect(owner.code).toBe(0);
    expect(owner.out).toMatch(/owner:\s+platform-team/);

    const narrowed = await json<{ principal: { allowedScopes: string[] }; revokedKeyIds: string[] }>(
      "principals",
      "update",
      principalId,
      "--scope",
      "orders:read",
      "--reason",
      "least privilege",
    );
    expect(narrowed.principal.allowedScopes).toEqual(["orders:read"]);
    expect(narrowed.revokedKeyIds).toEqual([keyId]);

    const nothing = await tessera("principals", "update", principalId);
    expect(nothing.code).toBe(1);
    expect(nothing.err).toContain("nothing to change");
  });

  it("principals disable --wait answers with a receipt, and receipts show finds it later", async () => {
    const { principalId } = await principalWithKey(["orders:read"]);
    const disabled = await tessera("principals", "disable", principalId, "--reason", "left", "--wait", "1s");
    expect(disabled.code).toBe(0);
    const id = /receipt (rct_\S+):/.exec(disabled.out)?.[1];
    expect(id, disabled.out).toBeDefined();

    const shown = await tessera("receipts", "show", id as string);
    expect(shown.code).toBe(0);
    expect(shown.out).toContain(`receipt ${id}`);
    const asJson = await json<{ id: string; complete: boolean }>("receipts", "show", id as string);
    expect(asJson.id).toBe(id);

    const bad = await tessera("principals", "disable", principalId, "--reason", "again", "--wait", "forever");
    expect(bad.code).toBe(1);
  });
});

it("a bad --expires-in is refused before anything is sent, with an example", async () => {
  const c = capture({ TESSERA_URL: "http://127.0.0.1:9", TESSERA_ADMIN_KEY: "tsk_x" });
  expect(await runCli(["keys", "issue", "--principal", "prn_x", "--scope", "a", "--expires-in", "30days"], c.io)).toBe(
    1,
  );
  expect(c.err()).toContain('write a duration such as 30d, 12h, 30m or 45s (or combined, 1d12h), not "30days"');
  expect(c.err()).not.toMatch(/\^\(|pattern/);
});
