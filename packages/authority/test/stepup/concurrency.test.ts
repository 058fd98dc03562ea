/**
 * Parallel attempts with the same TOTP code, or the same recovery code: accepted exactly once.
 * On PostgreSQL they come from two authority instances sharing the database (and from parallel
 * requests on each instance's pool). SQLite is a single-instance store (several instances in
 * one process would block each other inside better-sqlite3's synchronous busy wait), so there
 * the parallel attempts share one instance.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { type Authority, createAuthority } from "../../src/authority.js";
import type { Actor } from "../../src/domain/actor.js";
import { ADMIN_SCOPES } from "../../src/domain/scopes.js";
import { createHarness, type Harness } from "../harness.js";
import { describeEachStore } from "../stores.js";
import { codeAt } from "./helpers.js";

describeEachStore("step-up across instances", (kind) => {
  let h: Harness;
  let other: Authority;
  let admin: Actor;
  let secret: string;
  let recoveryCodes: string[];

  beforeEach(async () => {
    h = await createHarness(kind);
    other = kind === "postgres" ? await createAuthority({ config: h.authority.config, clock: h.clock }) : h.authority;
    const key = await h.key([...ADMIN_SCOPES]);
    admin = { id: key.principalId, keyId: key.id, scopes: new Set(ADMIN_SCOPES) };
    const enrolment = await h.authority.stepUp.enrol(admin);
    secret = enrolment.secret;
    recoveryCodes = enrolment.recoveryCodes;
    await other.stepUp.activate(admin, codeAt(secret, h.clock.now()));
    h.clock.advance(30_000);
  });
  afterEach(async () => {
    if (other !== h.authority) await other.close();
    await h.close();
  });

  const settle = async (attempts: Promise<unknown>[]) => {
    const results = await Promise.allSettled(attempts);
    return {
      passed: results.filter((r) => r.status === "fulfilled").length,
      codes: results.flatMap((r) => (r.status === "rejected" ? [(r.reason as { code?: string }).code] : [])),
    };
  };

  it("accepts one TOTP code once when both instances (and parallel requests) present it", async () => {
    const code = codeAt(secret, h.clock.now());
    const input = { otp: code, justification: "race" };
    const { passed, codes } = await settle([
      h.authority.stepUp.require(admin, input, "a"),
      other.stepUp.require(admin, input, "a"),
      h.authority.stepUp.require(admin, input, "a"),
      other.stepUp.require(admin, input, "a"),
    ]);
    expect(passed).toBe(1);
    expect(codes).toEqual(["step_up_failed", "step_up_failed", "step_up_failed"]);
    const verified = await h.authority.audit.list({ action: "stepup.verified" });
    expect(verified.items).toHaveLength(1);
    const failed = await h.authority.audit.list({ action: "stepup.failed" });
    expect(failed.items.map((r) => r.data.reason)).toEqual(["replayed", "replayed", "replayed"]);
    expect((await h.authority.audit.verify()).ok).toBe(true);
  });

  it("spends one recovery code once when both instances present it", async () => {
    const input = { otp: recoveryCodes[0] as string, justification: "race" };
    const { passed, codes } = await settle([
      h.authority.stepUp.require(admin, input, "a"),
      other.stepUp.require(admin, input, "a"),
      h.authority.stepUp.require(admin, input, "a"),
    ]);
    expect(passed).toBe(1);
    expect(codes).toEqual(["step_up_failed", "step_up_failed"]);
    expect((await other.stepUp.status(admin)).recoveryCodesLeft).toBe(9);
  });
});
