/**
 * The CLI as a new user drives it: against a real authority listening on loopback, through
 * the admin API, with the admin key from the environment.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runCli } from "../../src/cli/program.js";
import { loadConfig } from "../../src/config.js";
import { type RunningAuthority, startAuthority } from "../../src/server.js";
import { capture } from "../cli-capture.js";
import { createTestStore, describeEachStore, type TestStore } from "../stores.js";

describeEachStore("tessera CLI", (kind) => {
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
    const rootKey = server.bootstrap.rootKey?.secret;
    expect(rootKey).toMatch(/^tsk_/);
    env = { TESSERA_URL: server.url, TESSERA_ADMIN_KEY: rootKey, TESSERA_DATABASE_URL: store.url };
  });
  afterAll(async () => {
    await server.close();
    await store.drop();
  });

  it("creates a principal, issues a key, revokes it, and exports and verifies the audit trail", async () => {
    const added = await tessera(
      "--json",
      "principals",
      "add",
      "--name",
      "checkout",
      "--owner",
      "payments",
      "--scope",
      "orders:read,orders:write",
    );
    expect(added.code).toBe(0);
    const principalId = JSON.parse(added.out).id as string;

    const issued = await tessera(
      "keys",
      "issue",
      "--principal",
      principalId,
      "--scope",
      "orders:read",
      "--expires-in",
      "30d",
    );
    expect(issued.code).toBe(0);
    const secret = /tsk_[0-9A-Za-z]{38}/.exec(issued.out)?.[0] as string;
    const keyId = /key_[0-9A-Za-z]+/.exec(issued.out)?.[0] as string;
    expect(issued.out).toContain("shown once");

    const introspect = async () =>
      (
        await fetch(`${server.url}/oauth/introspect`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${env.TESSERA_ADMIN_KEY}`,
            "content-type": "application/x-www-form-urlencoded",
          },
          body: new URLSearchParams({ token: secret }),
        })
      ).json();
    expect(await introspect()).toMatchObject({ active: true, scope: "orders:read" });

    const listed = await tessera("keys", "list", "--principal", principalId);
    expect(listed.out).toContain(keyId);
    expect(listed.out).not.toContain(secret);

    const noReason = await tessera("keys", "revoke", keyId);
    expect(noReason.code).toBe(1);
    expect(noReason.err).toContain("--reason");

    const revoked = await tessera("keys", "revoke", keyId, "--reason", "rotated out after incident");
    expect(revoked.code).toBe(0);
    expect(revoked.out).toContain(`revoked ${keyId}`);
    expect(await introspect()).toEqual({ active: false });

    const shown = await tessera("--json", "keys", "show", keyId);
    expect(JSON.parse(shown.out)).toMatchObject({ state: "revoked", revokedReason: "rotated out after incident" });

    const dir = mkdtempSync(join(tmpdir(), "tessera-cli-"));
    const file = join(dir, "audit.jsonl");
    const exported = await tessera("audit", "export", "--output", file);
    expect(exported.code).toBe(0);
    const lines = readFileSync(file, "utf8").trim().split("\n");
    expect(lines.map((l) => JSON.parse(l).action)).toContain("key.revoked");

    const verifiedFile = await tessera("audit", "verify", "--file", file);
    expect(verifiedFile.code).toBe(0);
    expect(verifiedFile.out).toContain("intact");
    const verifiedDb = await tessera("audit", "verify");
    expect(verifiedDb.code).toBe(0);

    // An edited export is caught, offline.
    const edited = lines.map((l) =>
      l.includes('"key.revoked"') ? l.replace("rotated out after incident", "routine") : l,
    );
    writeFileSync(file, `${edited.join("\n")}\n`);
    const tampered = await tessera("audit", "verify", "--file", file);
    expect(tampered.code).toBe(1);
    expect(tampered.out).toContain("TAMPERED");
  });

  it("revokes by selector and disables principals", async () => {
    const p = JSON.parse(
      (await tessera("--json", "principals", "add", "-n", "contractor", "-o", "vendor-x", "-s", "a")).out,
    ).id;
    for (let i = 0; i < 3; i++) expect((await tessera("keys", "issue", "--principal", p, "--scope", "a")).code).toBe(0);
    const revoked = await tessera("--json", "revoke", "--owner", "vendor-x", "--reason", "contract ended");
    expect(JSON.parse(revoked.out).revoked).toBe(3);
    const disabled = await tessera("principals", "disable", p, "--reason", "offboarded");
    expect(disabled.code).toBe(0);
    expect(disabled.out).toContain("disabled");
  });

  it("explains errors: API errors with code and request id, missing key, unreachable authority", async () => {
    const notFound = await tessera("keys", "show", "key_doesnotexist");
    expect(notFound.code).toBe(1);
    expect(notFound.err).toMatch(/\[not_found\] \(request req_/);
    const saved = env;
    env = { ...saved, TESSERA_ADMIN_KEY: undefined };
    expect((await tessera("keys", "list")).err).toContain("TESSERA_ADMIN_KEY");
    env = { ...saved, TESSERA_URL: "http://127.0.0.1:9" };
    expect((await tessera("keys", "list")).err).toContain("cannot reach the authority");
    env = saved;
  });

  it("has help on every command", async () => {
    for (const argv of [
      [],
      ["keys"],
      ["keys", "issue"],
      ["keys", "list"],
      ["keys", "rotate"],
      ["principals", "add"],
      ["revoke"],
      ["audit", "verify"],
      ["audit", "export"],
      ["serve"],
      ["init"],
    ]) {
      const result = await tessera(...argv, "--help");
      expect(result.code, argv.join(" ")).toBe(0);
      expect(result.out, argv.join(" ")).toContain("Usage:");
    }
  });
});

describeEachStore("tessera init", (kind) => {
  it("creates the root admin key once, and another only when asked", async () => {
    const store = await createTestStore(kind);
    try {
      const run = async (...argv: string[]) => {
        const c = capture({ TESSERA_DATABASE_URL: store.url });
        const code = await runCli(argv, c.io);
        return { code, out: c.out() };
      };
      const first = await run("init");
      expect(first.code).toBe(0);
      const key = /tsk_[0-9A-Za-z]{38}/.exec(first.out)?.[0];
      expect(key).toBeDefined();
      const second = await run("init");
      expect(second.out).toContain("already initialised");
      expect(second.out).not.toMatch(/tsk_[0-9A-Za-z]{38}/);
      const third = await run("init", "--new-root-key");
      const another = /tsk_[0-9A-Za-z]{38}/.exec(third.out)?.[0];
      expect(another).toBeDefined();
      expect(another).not.toBe(key);
    } finally {
      await store.drop();
    }
  });
});
