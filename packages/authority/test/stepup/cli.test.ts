/**
 * The step-up commands as an operator runs them, against a real authority on loopback:
 * `tessera totp enrol|activate|status|remove` and `tessera revoke --otp --justification`.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/program.js";
import { loadConfig } from "../../src/config.js";
import { systemActor } from "../../src/principals/index.js";
import { type RunningAuthority, startAuthority } from "../../src/server.js";
import { createTestStore, describeEachStore, type TestStore } from "../stores.js";
import { codeAt } from "./helpers.js";

describeEachStore("tessera totp and revoke --otp", (kind) => {
  let store: TestStore;
  let server: RunningAuthority;
  let env: Record<string, string | undefined>;
  const tessera = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIO = { out: (t) => void out.push(t), err: (t) => void err.push(t), env, isTTY: false };
    const code = await runCli(argv, io);
    return { code, out: out.join(""), err: err.join("") };
  };

  beforeAll(async () => {
    store = await createTestStore(kind);
    server = await startAuthority(loadConfig({}, { databaseUrl: store.url, port: 0, stepUpSelectorThreshold: 2 }), {
      logger: false,
    });
    env = { TESSERA_URL: server.url, TESSERA_ADMIN_KEY: server.bootstrap.rootKey?.secret };
  });
  afterAll(async () => {
    await server.close();
    await store.drop();
  });

  it("enrols, activates, guards a large revocation, and removes TOTP with a recovery code", async () => {
    expect((await tessera("totp", "status")).out).toMatch(/status:\s+none/);

    const enrolled = await tessera("totp", "enrol");
    expect(enrolled.code).toBe(0);
    expect(enrolled.out).toContain("otpauth://totp/Tessera:root?");
    expect(enrolled.out).toContain("shown once");
    const secret = /secret: ([A-Z2-7]+)/.exec(enrolled.out)?.[1] as string;
    const recoveryCodes = enrolled.out.match(/\b[a-z2-7]{5}-[a-z2-7]{5}\b/g) ?? [];
    expect(recoveryCodes).toHaveLength(10);
    expect((await tessera("totp", "status")).out).toMatch(/status:\s+pending/);

    const activated = await tessera("totp", "activate", codeAt(secret, Date.now()));
    expect(activated.code).toBe(0);
    expect(activated.out).toMatch(/status:\s+active/);

    const system = systemActor("test");
    const { id: principalId } = await server.authority.principals.create(
      { name: "contractor-app", kind: "service", owner: "contractor", allowedScopes: ["orders:read"] },
      system,
    );
    for (let i = 0; i < 3; i++) await server.authority.keys.issue({ principalId, scopes: ["orders:read"] }, system);

    const refused = await tessera("revoke", "--owner", "contractor", "--reason", "contract ended");
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("[step_up_required]");
    expect(refused.err).toContain("--otp");

    const noWhy = await tessera("revoke", "--owner", "contractor", "--reason", "r", "--otp", "123456");
    expect(noWhy.code).toBe(1);
    expect(noWhy.err).toContain("--justification");

    // The activation used the current step's code; the next step's code is also accepted now.
    const next = codeAt(secret, Date.now() + 30_000);
    const revoked = await tessera(
      "revoke",
      "--owner",
      "contractor",
      "--reason",
      "contract ended",
      "--otp",
      next,
      "--justification",
      "INC-42: contractor offboarded",
    );
    expect(revoked.err).toBe("");
    expect(revoked.out).toContain("revoked 3 key(s)");
    const [record] = (await server.authority.audit.list({ action: "keys.revoked_by_selector" })).items;
    expect(record?.data.stepUp).toEqual({ method: "totp", justification: "INC-42: contractor offboarded" });

    const removed = await tessera("totp", "remove", recoveryCodes[0] as string);
    expect(removed.code).toBe(0);
    expect(removed.out).toMatch(/status:\s+none/);
    const wrong = await tessera("totp", "remove", recoveryCodes[1] as string);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain("[not_found]");
  });
});
