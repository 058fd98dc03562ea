/**
 * Recovery codes are stored under a keyed hash: a database dump alone does not let anyone try
 * the 2^50 possible codes against them. Codes stored by earlier versions (bare SHA-256) are
 * upgraded at start-up and keep working.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createAuthority } from "../../src/authority.js";
import { normalizeRecoveryCode, RECOVERY_HASH_PREFIX } from "../../src/stepup/recovery-codes.js";
import { createHttpHarness, type HttpHarness } from "../http-harness.js";
import { describeEachStore } from "../stores.js";
import { codeAt } from "./helpers.js";

describeEachStore("recovery codes at rest", (kind) => {
  let h: HttpHarness;
  let codes: string[];
  let caller: { secret: string; principalId: string };

  beforeAll(async () => {
    h = await createHttpHarness(kind);
    caller = await h.key(["keys:read"]);
    const enrolled = await h.call("POST", "/v1/me/totp", { key: caller.secret });
    codes = enrolled.json().recoveryCodes;
    const secret = enrolled.json().secret as string;
    await h.call("POST", "/v1/me/totp/activate", { key: caller.secret, body: { otp: codeAt(secret, h.clock.now()) } });
  });
  afterAll(async () => {
    await h.close();
  });

  const stored = () =>
    h.authority.database.db
      .selectFrom("totp_recovery_codes")
      .select(["code_hash"])
      .where("principal_id", "=", caller.principalId)
      .execute();
  const unkeyed = (code: string) =>
    createHash("sha256")
      .update(`tessera-recovery:${normalizeRecoveryCode(code)}`)
      .digest("base64url");

  it("stores no unkeyed hash of any code", async () => {
    const rows = (await stored()).map((r) => r.code_hash);
    expect(rows).toHaveLength(10);
    for (const code of codes) {
      expect(rows).not.toContain(unkeyed(code));
      expect(rows.join()).not.toContain(normalizeRecoveryCode(code));
    }
    for (const row of rows) expect(row.startsWith(RECOVERY_HASH_PREFIX)).toBe(true);
  });

  it("upgrades codes stored by earlier versions at start-up, and they still work once", async () => {
    // Put one code back in the old form, as an earlier version stored it.
    const code = codes[3] as string;
    await h.authority.database.db
      .deleteFrom("totp_recovery_codes")
      .where("principal_id", "=", caller.principalId)
      .execute();
    await h.authority.database.db
      .insertInto("totp_recovery_codes")
      .values({ principal_id: caller.principalId, code_hash: unkeyed(code), used_at: null })
      .execute();
    // A new authority on the same database (as after an upgrade) converts it.
    const restarted = await createAuthority({ config: h.authority.config, database: h.authority.database });
    await restarted.close();
    const rows = (await stored()).map((r) => r.code_hash);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.startsWith(RECOVERY_HASH_PREFIX)).toBe(true);
    const removed = await h.call("DELETE", "/v1/me/totp", { key: caller.secret, body: { otp: code } });
    expect(removed.statusCode).toBe(200);
  });
});
