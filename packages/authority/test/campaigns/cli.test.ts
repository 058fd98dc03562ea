/**
 * `tessera campaigns` against a real authority on loopback: create, dry-run, execute and
 * finalize with step-up, status with a progress bar, the export file written once, and the
 * refusals (finalize twice, rollback after finalize, missing step-up) as exit code 1.
 */
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { progressLine } from "../../src/cli/commands/campaigns.js";
import type { CliIO } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/program.js";
import { loadConfig } from "../../src/config.js";
import { type RunningAuthority, startAuthority } from "../../src/server.js";
import { createTestStore, describeEachStore, type TestStore } from "../stores.js";
import { type Recipient, recipient } from "./fixture.js";

function capture(env: Record<string, string | undefined>, isTTY = false) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (t) => void out.push(t), err: (t) => void err.push(t), env, isTTY };
  return { io, out: () => out.join(""), err: () => err.join("") };
}

it("draws the progress bar from the counts", () => {
  const line = progressLine(
    {
      total: 10_000,
      safeToRetire: 2_500,
      replacementUsed: 2_000,
      oldInUse: 40,
      oldUsedSinceExecute: 100,
      oldRevoked: 0,
      inUseSince: "",
    },
    20,
  );
  expect(line).toBe(
    "[#####---------------]  25% safe to retire (2,500/10,000) | replacements used 2,000 | old in use 40",
  );
  expect(
    progressLine(
      {
        total: 0,
        safeToRetire: 0,
        replacementUsed: 0,
        oldInUse: 0,
        oldUsedSinceExecute: 0,
        oldRevoked: 0,
        inUseSince: "",
      },
      4,
    ),
  ).toMatch(/^\[----\] {3}0%/);
});

describeEachStore("tessera campaigns", (kind) => {
  let store: TestStore;
  let server: RunningAuthority;
  let env: Record<string, string | undefined>;
  let dir: string;
  let owner: Recipient;
  let recoveryCodes: string[];
  const tessera = async (argv: string[], isTTY = false) => {
    const c = capture(env, isTTY);
    const code = await runCli(argv, c.io);
    return { code, out: c.out(), err: c.err() };
  };
  // biome-ignore lint/suspicious/noExplicitAny: answers of the admin API, checked by the test
  const api = async (method: string, path: string, body?: unknown): Promise<any> => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${env.TESSERA_ADMIN_KEY}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return response.json();
  };

  beforeAll(async () => {
    store = await createTestStore(kind);
    server = await startAuthority(loadConfig({}, { databaseUrl: store.url, port: 0 }), { logger: false });
    env = { TESSERA_URL: server.url, TESSERA_ADMIN_KEY: server.bootstrap.rootKey?.secret };
    dir = mkdtempSync(join(tmpdir(), "tessera-campaigns-cli-"));
    // Step-up with recovery codes: each works once, whatever the time (TOTP codes are once per 30 s step).
    const enrolment = await api("POST", "/v1/me/totp");
    recoveryCodes = enrolment.recoveryCodes;
    const { base32Decode, totp } = await import("../../src/stepup/totp.js");
    await api("POST", "/v1/me/totp/activate", { otp: totp(base32Decode(enrolment.secret), Date.now()) });
    const principal = await api("POST", "/v1/principals", {
      name: "checkout",
      kind: "service",
      owner: "payments",
      allowedScopes: ["orders:read"],
    });
    for (let i = 0; i < 2; i++) await api("POST", "/v1/keys", { principalId: principal.id, scopes: ["orders:read"] });
    owner = await recipient();
    writeFileSync(join(dir, "payments.pub.jwk"), JSON.stringify(owner.publicJwk));
  });
  afterAll(async () => {
    await server.close();
    await store.drop();
  });

  it("runs a campaign from create to finalize", async () => {
    const created = await tessera([
      "--json",
      "campaigns",
      "create",
      "--owner",
      "payments",
      "--description",
      "INC-42: CI logs leaked",
      "--grace",
      "2h",
      "--recipient",
      `payments=${join(dir, "payments.pub.jwk")}`,
    ]);
    expect(created.err).toBe("");
    expect(created.code).toBe(0);
    const id = JSON.parse(created.out).campaign.id as string;

    const dry = await tessera(["campaigns", "dry-run", id]);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain("2 key(s) would be rotated");
    expect(dry.out).toMatch(/payments\s+2/);

    const noStepUp = await tessera(["campaigns", "execute", id]);
    expect(noStepUp.code).toBe(1);
    expect(noStepUp.err).toContain("--otp");

    const executed = await tessera([
      "campaigns",
      "execute",
      id,
      "--otp",
      recoveryCodes[0] as string,
      "--justification",
      "rotate what the leak exposed",
    ]);
    expect(executed.err).toBe("");
    expect(executed.code).toBe(0);
    expect(executed.out).toContain("2 replacement(s) issued");
    expect(executed.out).toContain("export file for payments: 2 key(s)");

    const watched = await tessera(["campaigns", "status", id, "--watch"], true);
    expect(watched.code).toBe(0);
    expect(watched.out).toContain("\r[##############################] 100% safe to retire (2/2)");
    expect(watched.out).toContain("every old key is safe to retire");
    const status = await tessera(["--json", "campaigns", "status", id]);
    expect(JSON.parse(status.out).progress).toMatchObject({ total: 2, safeToRetire: 2 });

    const file = join(dir, "payments.jwe");
    const exported = await tessera(["campaigns", "export", id, "--owner", "payments", "--out", file]);
    expect(exported.code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(exported.out).not.toContain("tsk_");
    const payload = await owner.decrypt(readFileSync(file, "utf8"));
    expect(payload.keys).toHaveLength(2);
    const again = await tessera(["campaigns", "export", id, "--owner", "payments", "--out", join(dir, "again.jwe")]);
    expect(again.code).toBe(1);
    expect(again.err).toContain("[export_consumed]");
    expect(existsSync(join(dir, "again.jwe"))).toBe(false);

    const finalized = await tessera([
      "campaigns",
      "finalize",
      id,
      "--otp",
      recoveryCodes[1] as string,
      "--justification",
      "all consumers moved",
    ]);
    expect(finalized.err).toBe("");
    expect(finalized.out).toContain("2 old key(s) revoked");
    const twice = await tessera([
      "campaigns",
      "finalize",
      id,
      "--otp",
      recoveryCodes[2] as string,
      "--justification",
      "again",
    ]);
    expect(twice.code).toBe(1);
    expect(twice.err).toContain("[campaign_state]");
    const rollback = await tessera(["campaigns", "rollback", id, "--reason", "undo"]);
    expect(rollback.code).toBe(1);
    expect(rollback.err).toContain("[campaign_state]");

    const listed = await tessera(["campaigns", "list"]);
    expect(listed.out).toMatch(new RegExp(`${id}\\s+finalized\\s+2`));
  });

  it("refuses an empty selection with its code", async () => {
    const empty = await tessera(["campaigns", "create", "--owner", "nobody", "--description", "x"]);
    expect(empty.code).toBe(1);
    expect(empty.err).toContain("[campaign_empty]");
  });

  it("an execute with no channel for an owner's secrets says --recipient, the CLI's word", async () => {
    const other = await api("POST", "/v1/principals", {
      name: "ledger",
      kind: "service",
      owner: "ledger-team",
      allowedScopes: ["orders:read"],
    });
    const issued = await api("POST", "/v1/keys", { principalId: other.id, scopes: ["orders:read"] });
    expect(issued).toHaveProperty("secret");
    const created = await tessera(["--json", "campaigns", "create", "--owner", "ledger-team", "--description", "x"]);
    expect(created.err).toBe("");
    const id = JSON.parse(created.out).campaign.id as string;
    const executed = await tessera([
      "campaigns",
      "execute",
      id,
      "--otp",
      recoveryCodes[3] as string,
      "--justification",
      "no recipient given",
    ]);
    expect(executed.code).toBe(1);
    expect(executed.err).toContain("--recipient owner=path/to/public.jwk");
    expect(executed.err).not.toContain("exportRecipients");
  });
});
