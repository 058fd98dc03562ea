import { afterEach, beforeEach, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/program.js";
import { describeEachStore } from "../stores.js";
import { createFeedFixture, type FeedFixture } from "./fixture.js";

describeEachStore("CLI revocation receipts", (kind) => {
  let f: FeedFixture;
  beforeEach(async () => {
    f = await createFeedFixture(kind);
  });
  afterEach(async () => {
    await f.close();
  });

  async function tessera(...argv: string[]) {
    const out: string[] = [];
    const io: CliIO = {
      out: (t) => void out.push(t),
      err: (t) => void out.push(t),
      env: { TESSERA_URL: f.running.url, TESSERA_ADMIN_KEY: f.adminKey },
      isTTY: false,
    };
    const code = await runCli(argv, io);
    return { code, out: out.join("") };
  }

  it("prints the receipt after tessera keys revoke and tessera revoke", async () => {
    const verifier = await f.verifier({ name: "checkout-1" });
    const one = await f.key(["orders:read"]);
    const revoked = await tessera("keys", "revoke", one.id, "--reason", "leaked", "--wait", "10s");
    expect(revoked.code).toBe(0);
    expect(revoked.out).toMatch(/receipt rct_\w+: 1\/1 verifiers confirmed change #\d+/);
    expect(verifier.verify(one.secret)).toEqual({ ok: false, reason: "revoked" });

    const two = await f.key(["orders:read"]);
    const bySelector = await tessera(
      "revoke",
      "--principal",
      two.principalId,
      "--reason",
      "offboarding",
      "--wait",
      "10s",
    );
    expect(bySelector.code).toBe(0);
    expect(bySelector.out).toMatch(/revoked 1 key\(s\), change #\d+\nreceipt rct_\w+: 1\/1 verifiers confirmed/);

    const json = await tessera("--json", "keys", "revoke", (await f.key()).id, "--reason", "x", "--wait", "0s");
    expect(JSON.parse(json.out).receipt).toMatchObject({ verifiers: { total: 1 } });
  });

  it("refuses a wait beyond 30s before revoking anything", async () => {
    const key = await f.key();
    const answer = await f.request<{ error: { code: string } }>("POST", `/v1/keys/${key.id}/revoke?wait=31s`, {
      reason: "x",
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe("validation_failed");
    expect((await f.running.authority.keys.get(key.id)).state).toBe("active");
  });
});
