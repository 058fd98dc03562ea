/**
 * `tessera scan` end to end: the scanner finds a live key planted in a working tree, checks it
 * against a real authority and revokes it with the finding's location as the reason.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/program.js";
import { loadConfig } from "../../src/config.js";
import { type RunningAuthority, startAuthority } from "../../src/server.js";
import { createTestStore, describeEachStore, type TestStore } from "../stores.js";

describeEachStore("tessera scan with the authority", (kind) => {
  let store: TestStore;
  let server: RunningAuthority;
  beforeAll(async () => {
    store = await createTestStore(kind);
    server = await startAuthority(loadConfig({}, { databaseUrl: store.url, port: 0 }), { logger: false });
  });
  afterAll(async () => {
    await server.close();
    await store.drop();
  });

  it("finds a planted live key, revokes it, and exits 1 for findings", async () => {
    const { authority } = server;
    const actor = { id: "system:test", scopes: new Set(["keys:write", "principals:write"]) };
    const principal = await authority.principals.create(
      { name: "leaky", kind: "service", owner: "o", allowedScopes: ["a"] },
      actor,
    );
    const live = await authority.keys.issue({ principalId: principal.id, scopes: ["a"] }, actor);
    const dead = await authority.keys.issue({ principalId: principal.id, scopes: ["a"] }, actor);
    await authority.lifecycle.revoke(dead.key.id, "old", actor);
    const dir = mkdtempSync(join(tmpdir(), "tessera-scan-"));
    writeFileSync(join(dir, "config.env"), `API_KEY=${live.secret}\nOLD_KEY=${dead.secret}\n`);

    const out: string[] = [];
    const err: string[] = [];
    const io: CliIO = {
      out: (t) => void out.push(t),
      err: (t) => void err.push(t),
      env: { TESSERA_ADMIN_KEY: server.bootstrap.rootKey?.secret },
      isTTY: false,
    };
    const code = await runCli(
      ["scan", dir, "--url", server.url, "--revoke", "--format", "json", "--no-progress", "--workers", "0"],
      io,
    );
    expect(err.join("")).not.toContain("error");
    expect(code).toBe(1);
    const report = out.join("");
    expect(report).not.toContain(live.secret);
    expect((await authority.keys.get(live.key.id)).state).toBe("revoked");
    expect((await authority.keys.get(live.key.id)).revokedReason).toMatch(/^leaked: .*config\.env:1/);
    const audit = await authority.audit.list({ action: "leak.reported" });
    expect(audit.items.map((r) => r.targetId).sort()).toEqual([live.key.id, dead.key.id].sort());
  });
});
