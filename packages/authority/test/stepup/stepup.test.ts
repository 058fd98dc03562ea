/**
 * Step-up service: TOTP enrolment, activation, removal, the guard, replay protection,
 * single-use recovery codes, the failure rate limit, and what reaches storage and the audit.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import type { Actor } from "../../src/domain/actor.js";
import { ADMIN_SCOPES } from "../../src/domain/scopes.js";
import { createHarness, type Harness } from "../harness.js";
import { describeEachStore } from "../stores.js";
import { codeAt, wrongCodeAt } from "./helpers.js";

describeEachStore("step-up service", (kind) => {
  let h: Harness;
  let admin: Actor;

  beforeEach(async () => {
    h = await createHarness(kind);
    const key = await h.key([...ADMIN_SCOPES]);
    admin = { id: key.principalId, keyId: key.id, scopes: new Set(ADMIN_SCOPES), requestId: "req_test" };
  });
  afterEach(async () => {
    await h.close();
  });

  async function enrolActive() {
    const enrolment = await h.authority.stepUp.enrol(admin);
    await h.authority.stepUp.activate(admin, codeAt(enrolment.secret, h.clock.now()));
    h.clock.advance(30_000); // the activation consumed this step's code
    return enrolment;
  }

  const auditOf = async (action: string) => (await h.authority.audit.list({ action, limit: 1000 })).items;

  it("enrols pending, shows the secret once, stores it only encrypted and the recovery codes only hashed", async () => {
    const enrolment = await h.authority.stepUp.enrol(admin);
    expect(enrolment.status).toBe("pending");
    expect(enrolment.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrolment.otpauthUri).toContain(`secret=${enrolment.secret}`);
    expect(enrolment.recoveryCodes).toHaveLength(10);
    expect(await h.authority.stepUp.status(admin)).toMatchObject({ status: "pending", recoveryCodesLeft: 10 });

    const db = h.authority.database.db;
    const stored = JSON.stringify([
      await db.selectFrom("totp_enrolments").selectAll().execute(),
      await db.selectFrom("totp_recovery_codes").selectAll().execute(),
      await db.selectFrom("audit_log").selectAll().execute(),
      await db.selectFrom("change_log").selectAll().execute(),
    ]);
    expect(stored).not.toContain(enrolment.secret);
    expect(stored).not.toContain(Buffer.from(enrolment.secret).toString("base64"));
    for (const code of enrolment.recoveryCodes) {
      expect(stored).not.toContain(code);
      expect(stored).not.toContain(code.replace("-", ""));
    }
    const row = await db.selectFrom("totp_enrolments").selectAll().executeTakeFirstOrThrow();
    expect(row.secret_enc).toMatch(/^v1\./);
  });

  it("activates with a first code; a wrong code leaves it pending", async () => {
    const enrolment = await h.authority.stepUp.enrol(admin);
    const now = h.clock.now();
    await expect(h.authority.stepUp.activate(admin, wrongCodeAt(enrolment.secret, now))).rejects.toMatchObject({
      code: "step_up_failed",
      details: { action: "totp.activate", reason: "wrong_code" },
    });
    expect((await h.authority.stepUp.status(admin)).status).toBe("pending");
    // A recovery code does not activate: activation proves the authenticator works.
    await expect(h.authority.stepUp.activate(admin, enrolment.recoveryCodes[0] as string)).rejects.toMatchObject({
      code: "step_up_failed",
    });
    const status = await h.authority.stepUp.activate(admin, codeAt(enrolment.secret, now, -1));
    expect(status).toMatchObject({ status: "active", recoveryCodesLeft: 10 });
    expect(status.activatedAt).toBe(new Date(now).toISOString());
    await expect(h.authority.stepUp.enrol(admin)).rejects.toMatchObject({ code: "conflict" });
    await expect(h.authority.stepUp.activate(admin, codeAt(enrolment.secret, now, 1))).rejects.toMatchObject({
      code: "conflict",
    });
    expect((await auditOf("totp.activated")).map((r) => r.actor)).toEqual([admin.id]);
  });

  it("restarting a pending enrolment replaces its secret and recovery codes", async () => {
    const first = await h.authority.stepUp.enrol(admin);
    const second = await h.authority.stepUp.enrol(admin);
    expect(second.secret).not.toBe(first.secret);
    await expect(h.authority.stepUp.activate(admin, codeAt(first.secret, h.clock.now()))).rejects.toMatchObject({
      code: "step_up_failed",
    });
    await h.authority.stepUp.activate(admin, codeAt(second.secret, h.clock.now()));
    h.clock.advance(30_000);
    await expect(
      h.authority.stepUp.require(admin, { otp: first.recoveryCodes[0] as string, justification: "j" }, "test.action"),
    ).rejects.toMatchObject({ code: "step_up_failed" });
  });

  it("the guard: passes a valid code with its justification, refuses a missing, wrong or replayed one", async () => {
    const enrolment = await enrolActive();
    await expect(h.authority.stepUp.require(admin, undefined, "test.action")).rejects.toMatchObject({
      code: "step_up_required",
      details: { action: "test.action", enrolled: true },
    });
    const now = h.clock.now();
    await expect(
      h.authority.stepUp.require(admin, { otp: wrongCodeAt(enrolment.secret, now), justification: "j" }, "test.action"),
    ).rejects.toMatchObject({ code: "step_up_failed", details: { reason: "wrong_code" } });

    const code = codeAt(enrolment.secret, now);
    const proof = await h.authority.stepUp.require(
      admin,
      { otp: code, justification: "  incident 42  " },
      "test.action",
    );
    expect(proof).toEqual({ method: "totp", justification: "incident 42" });
    // The same code again, within its step or the next: a replay.
    await expect(
      h.authority.stepUp.require(admin, { otp: code, justification: "again" }, "test.action"),
    ).rejects.toMatchObject({ code: "step_up_failed", details: { reason: "replayed" } });
    h.clock.advance(30_000);
    await expect(
      h.authority.stepUp.require(admin, { otp: code, justification: "again" }, "test.action"),
    ).rejects.toMatchObject({ code: "step_up_failed", details: { reason: "replayed" } });
    // An earlier step's code after a later one was accepted: also refused.
    const later = codeAt(enrolment.secret, h.clock.now(), 1);
    await h.authority.stepUp.require(admin, { otp: later, justification: "j" }, "test.action");
    await expect(
      h.authority.stepUp.require(
        admin,
        { otp: codeAt(enrolment.secret, h.clock.now()), justification: "j" },
        "test.action",
      ),
    ).rejects.toMatchObject({ code: "step_up_failed", details: { reason: "replayed" } });

    const verified = await auditOf("stepup.verified");
    expect(verified).toHaveLength(2);
    expect(verified[0]).toMatchObject({
      actor: admin.id,
      reason: "incident 42",
      requestId: "req_test",
      data: { action: "test.action", method: "totp", justification: "incident 42" },
    });
    const failed = await auditOf("stepup.failed");
    expect(failed.map((r) => r.data.reason)).toEqual(["missing", "wrong_code", "replayed", "replayed", "replayed"]);
    const everything = JSON.stringify(await h.authority.database.db.selectFrom("audit_log").selectAll().execute());
    expect(everything).not.toContain(code);
    expect(everything).not.toContain(later);
  });

  it("validates the justification before looking at the code, and says when nothing is enrolled", async () => {
    await expect(
      h.authority.stepUp.require(admin, { otp: "123456", justification: "j" }, "test.action"),
    ).rejects.toMatchObject({ code: "step_up_required", details: { action: "test.action", enrolled: false } });
    await expect(h.authority.stepUp.require(admin, undefined, "test.action")).rejects.toMatchObject({
      code: "step_up_required",
      details: { enrolled: false },
    });
    const enrolment = await enrolActive();
    const code = codeAt(enrolment.secret, h.clock.now());
    for (const justification of ["", "   ", "x".repeat(1025)]) {
      await expect(
        h.authority.stepUp.require(admin, { otp: code, justification }, "test.action"),
      ).rejects.toMatchObject({ code: "validation_failed", details: { field: "stepUp.justification" } });
    }
    // The code was not consumed by the refused attempts.
    await expect(h.authority.stepUp.require(admin, { otp: code, justification: "j" }, "test.action")).resolves.toEqual({
      method: "totp",
      justification: "j",
    });
  });

  it("passes system actors without a second factor", async () => {
    await expect(h.authority.stepUp.require(h.system, undefined, "test.action")).resolves.toMatchObject({
      method: "system",
    });
  });

  it("accepts each recovery code once", async () => {
    const enrolment = await enrolActive();
    const [first, second] = enrolment.recoveryCodes as [string, string];
    const proof = await h.authority.stepUp.require(
      admin,
      { otp: first.toUpperCase(), justification: "lost phone" },
      "a",
    );
    expect(proof.method).toBe("recovery_code");
    await expect(h.authority.stepUp.require(admin, { otp: first, justification: "again" }, "a")).rejects.toMatchObject({
      code: "step_up_failed",
      details: { reason: "wrong_code" },
    });
    expect((await h.authority.stepUp.status(admin)).recoveryCodesLeft).toBe(9);
    await h.authority.stepUp.require(admin, { otp: second.replace("-", " "), justification: "j" }, "a");
    expect((await h.authority.stepUp.status(admin)).recoveryCodesLeft).toBe(8);
    const verified = await auditOf("stepup.verified");
    expect(verified.map((r) => r.data.method)).toEqual(["recovery_code", "recovery_code"]);
    expect(JSON.stringify(verified)).not.toContain(first.slice(0, 5));
  });

  it("rate-limits wrong codes: after 5 failures in 5 minutes even a valid code is refused, and it is audited", async () => {
    const enrolment = await enrolActive();
    const wrong = wrongCodeAt(enrolment.secret, h.clock.now());
    for (let i = 0; i < 5; i++) {
      await expect(h.authority.stepUp.require(admin, { otp: wrong, justification: "j" }, "a")).rejects.toMatchObject({
        code: "step_up_failed",
      });
    }
    h.clock.advance(60_000);
    const valid = codeAt(enrolment.secret, h.clock.now());
    await expect(h.authority.stepUp.require(admin, { otp: valid, justification: "j" }, "a")).rejects.toMatchObject({
      code: "rate_limited",
      details: { action: "a", retryAfterSeconds: 240 },
    });
    await expect(h.authority.stepUp.remove(admin, valid)).rejects.toMatchObject({ code: "rate_limited" });
    const failed = await auditOf("stepup.failed");
    expect(failed.map((r) => r.data.reason)).toEqual([...Array(5).fill("wrong_code"), "rate_limited", "rate_limited"]);
    expect(failed[4]?.data.failures).toBe(5);
    expect((await h.authority.stepUp.status(admin)).status).toBe("active");

    // The window slides: five minutes after the first failures, codes work again and the count resets.
    h.clock.advance(4 * 60_000);
    const later = codeAt(enrolment.secret, h.clock.now());
    await expect(h.authority.stepUp.require(admin, { otp: later, justification: "j" }, "a")).resolves.toMatchObject({
      method: "totp",
    });
    const remaining = await h.authority.database.db.selectFrom("stepup_failures").selectAll().execute();
    expect(remaining).toEqual([]);
  });

  it("removes TOTP only with a valid code, and the recovery codes go with it", async () => {
    const enrolment = await enrolActive();
    const now = h.clock.now();
    await expect(h.authority.stepUp.remove(admin, wrongCodeAt(enrolment.secret, now))).rejects.toMatchObject({
      code: "step_up_failed",
    });
    expect((await h.authority.stepUp.status(admin)).status).toBe("active");
    await h.authority.stepUp.remove(admin, enrolment.recoveryCodes[3] as string);
    expect(await h.authority.stepUp.status(admin)).toEqual({
      status: "none",
      createdAt: null,
      activatedAt: null,
      lastUsedAt: null,
      recoveryCodesLeft: 0,
    });
    expect(await h.authority.database.db.selectFrom("totp_recovery_codes").selectAll().execute()).toEqual([]);
    expect((await auditOf("totp.removed"))[0]?.data).toEqual({ method: "recovery_code" });
    await expect(h.authority.stepUp.remove(admin, codeAt(enrolment.secret, now))).rejects.toMatchObject({
      code: "not_found",
    });
  });
});
