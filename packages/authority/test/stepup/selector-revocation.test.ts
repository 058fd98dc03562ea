/**
 * Revocation by selector above TESSERA_STEPUP_SELECTOR_THRESHOLD needs step-up, over the admin
 * API: below it nothing changes; above it a missing, wrong or replayed code is refused with
 * nothing revoked; a valid one revokes, and the audit record carries the method and the
 * justification, never the code. Also the TOTP endpoints themselves.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import type { SelectorStepUp, StepUpProof } from "../../src/stepup/types.js";
import { createHttpHarness, type HttpHarness } from "../http-harness.js";
import { describeEachStore } from "../stores.js";
import { codeAt, wrongCodeAt } from "./helpers.js";

const THRESHOLD = 3;

describeEachStore("step-up for revocation by selector", (kind) => {
  let h: HttpHarness;
  let secret: string;

  beforeEach(async () => {
    h = await createHttpHarness(kind, { stepUpSelectorThreshold: THRESHOLD });
    const enrolled = await h.call("POST", "/v1/me/totp");
    expect(enrolled.statusCode).toBe(201);
    secret = enrolled.json().secret;
    const activated = await h.call("POST", "/v1/me/totp/activate", { body: { otp: codeAt(secret, h.clock.now()) } });
    expect(activated.statusCode).toBe(200);
    h.clock.advance(30_000);
  });
  afterEach(async () => {
    await h.close();
  });

  async function victims(owner: string, count: number): Promise<string[]> {
    const principalId = await h.principal({ owner, scopes: ["orders:read"] });
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      ids.push((await h.authority.keys.issue({ principalId, scopes: ["orders:read"] }, h.system)).key.id);
    }
    return ids;
  }

  const states = async (ids: string[]) => Promise.all(ids.map(async (id) => (await h.authority.keys.get(id)).state));
  const selectorAudit = async () =>
    (await h.authority.audit.list({ action: "keys.revoked_by_selector", limit: 1000 })).items;

  it("revokes up to the threshold without step-up, as before", async () => {
    const ids = await victims("small", THRESHOLD);
    const response = await h.call("POST", "/v1/revocations", { body: { selector: { owner: "small" }, reason: "r" } });
    expect(response.statusCode).toBe(200);
    expect(response.json().revoked).toBe(THRESHOLD);
    expect(await states(ids)).toEqual(Array(THRESHOLD).fill("revoked"));
    expect((await selectorAudit())[0]?.data.stepUp).toBeUndefined();
  });

  it("above the threshold: refuses without step-up, with a wrong code, or without a justification, revoking nothing", async () => {
    const ids = await victims("big", THRESHOLD + 1);
    const body = { selector: { owner: "big" }, reason: "incident 7" };
    const headBefore = await h.authority.database.db.selectFrom("change_log").select("seq").execute();

    const missing = await h.call("POST", "/v1/revocations", { body });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().error).toMatchObject({
      code: "step_up_required",
      details: { action: "keys.revoke_by_selector", enrolled: true },
    });

    const wrong = await h.call("POST", "/v1/revocations", {
      body: { ...body, stepUp: { otp: wrongCodeAt(secret, h.clock.now()), justification: "incident 7" } },
    });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error).toMatchObject({ code: "step_up_failed", details: { reason: "wrong_code" } });

    const code = codeAt(secret, h.clock.now());
    const noJustification = await h.call("POST", "/v1/revocations", {
      body: { ...body, stepUp: { otp: code, justification: "" } },
    });
    expect(noJustification.statusCode).toBe(400);
    expect(noJustification.json().error.code).toBe("validation_failed");
    const blank = await h.call("POST", "/v1/revocations", {
      body: { ...body, stepUp: { otp: code, justification: "  " } },
    });
    expect(blank.statusCode).toBe(400);
    expect(blank.json().error).toMatchObject({ code: "validation_failed", details: { field: "stepUp.justification" } });

    expect(await states(ids)).toEqual(Array(THRESHOLD + 1).fill("active"));
    expect(await selectorAudit()).toEqual([]);
    expect(await h.authority.database.db.selectFrom("change_log").select("seq").execute()).toEqual(headBefore);
  });

  it("above the threshold with a valid code: revokes, and the audit record carries method and justification", async () => {
    const ids = await victims("big", THRESHOLD + 2);
    const code = codeAt(secret, h.clock.now());
    const response = await h.call("POST", "/v1/revocations", {
      body: {
        selector: { owner: "big" },
        reason: "incident 7",
        stepUp: { otp: code, justification: "INC-7: keys pasted in a ticket" },
      },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().revoked).toBe(THRESHOLD + 2);
    expect(await states(ids)).toEqual(Array(THRESHOLD + 2).fill("revoked"));
    const [record] = await selectorAudit();
    expect(record).toMatchObject({
      actor: h.root.principalId,
      reason: "incident 7",
      data: { revoked: THRESHOLD + 2, stepUp: { method: "totp", justification: "INC-7: keys pasted in a ticket" } },
    });
    const verified = (await h.authority.audit.list({ action: "stepup.verified" })).items;
    expect(verified.map((r) => r.data.action)).toEqual(["keys.revoke_by_selector"]);
    expect(verified[0]?.requestId).toBe(record?.requestId);
    const audit = JSON.stringify(await h.authority.database.db.selectFrom("audit_log").selectAll().execute());
    expect(audit).not.toContain(code);
    expect(h.logs.join("")).not.toContain(code);

    // The same code for the next selection: a replay, refused, nothing revoked.
    const more = await victims("big2", THRESHOLD + 1);
    const replay = await h.call("POST", "/v1/revocations", {
      body: { selector: { owner: "big2" }, reason: "r", stepUp: { otp: code, justification: "again" } },
    });
    expect(replay.statusCode).toBe(403);
    expect(replay.json().error).toMatchObject({ code: "step_up_failed", details: { reason: "replayed" } });
    expect(await states(more)).toEqual(Array(THRESHOLD + 1).fill("active"));
  });

  it("a recovery code works once in place of the TOTP code", async () => {
    const status = await h.call("GET", "/v1/me/totp");
    expect(status.json()).toMatchObject({ status: "active", recoveryCodesLeft: 10 });
    expect(status.body).not.toContain(secret);
    // Enrol a second admin (its own principal) to get recovery codes we know.
    const other = await h.key(["keys:revoke"]);
    const enrolled = (await h.call("POST", "/v1/me/totp", { key: other.secret })).json();
    await h.call("POST", "/v1/me/totp/activate", {
      key: other.secret,
      body: { otp: codeAt(enrolled.secret, h.clock.now()) },
    });
    const ids = await victims("big", THRESHOLD + 1);
    const body = (otp: string) => ({
      selector: { owner: "big" },
      reason: "r",
      stepUp: { otp, justification: "lost phone" },
    });
    const used = await h.call("POST", "/v1/revocations", { key: other.secret, body: body(enrolled.recoveryCodes[0]) });
    expect(used.statusCode).toBe(200);
    expect(await states(ids)).toEqual(Array(THRESHOLD + 1).fill("revoked"));
    expect((await selectorAudit())[0]?.data.stepUp).toEqual({ method: "recovery_code", justification: "lost phone" });
    await victims("big", THRESHOLD + 1);
    const again = await h.call("POST", "/v1/revocations", { key: other.secret, body: body(enrolled.recoveryCodes[0]) });
    expect(again.statusCode).toBe(403);
    expect(again.json().error.code).toBe("step_up_failed");
    const logs = h.logs.join("");
    for (const shown of [enrolled.secret, secret, ...enrolled.recoveryCodes]) expect(logs).not.toContain(shown);
  });

  it("documents the TOTP endpoints and the stepUp field in the OpenAPI document", async () => {
    const doc = (await h.call("GET", "/openapi.json", { key: null })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/v1/me/totp", "/v1/me/totp/activate"]));
    expect(Object.keys(doc.paths["/v1/me/totp"])).toEqual(expect.arrayContaining(["get", "post", "delete"]));
    const revocation = JSON.stringify(doc.paths["/v1/revocations"].post.requestBody);
    expect(revocation).toContain("justification");
  });

  it("a principal without TOTP is told to enrol", async () => {
    const other = await h.key(["keys:revoke"]);
    await victims("big", THRESHOLD + 1);
    const response = await h.call("POST", "/v1/revocations", {
      key: other.secret,
      body: { selector: { owner: "big" }, reason: "r" },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().error).toMatchObject({ code: "step_up_required", details: { enrolled: false } });
  });

  it("single-key revocation never needs step-up", async () => {
    const [id] = await victims("big", THRESHOLD + 5);
    const response = await h.call("POST", `/v1/keys/${id}/revoke`, { body: { reason: "leaked" } });
    expect(response.statusCode).toBe(200);
    expect(response.json().key.state).toBe("revoked");
  });

  it("recounts inside the transaction: a selection that grew past the threshold needs step-up after all", async () => {
    const ids = await victims("racy", THRESHOLD + 1);
    // The first read of the threshold decides on the count taken before the transaction; a
    // larger value there stands for a selection that was smaller when it was counted.
    const raced = (proof: () => Promise<StepUpProof>) => {
      let reads = 0;
      const calls: string[] = [];
      const stepUp: SelectorStepUp = {
        get threshold() {
          reads++;
          return reads === 1 ? 1000 : THRESHOLD;
        },
        require: () => {
          calls.push("require");
          return proof();
        },
      };
      return { stepUp, calls };
    };
    const actor = { id: h.root.principalId, scopes: new Set<string>(), requestId: "req_race" };

    const refused = raced(() => h.authority.stepUp.require(actor, undefined, "keys.revoke_by_selector"));
    await expect(
      h.authority.lifecycle.revokeBySelector({ owner: "racy" }, "r", actor, refused.stepUp),
    ).rejects.toMatchObject({ code: "step_up_required" });
    expect(refused.calls).toEqual(["require"]);
    expect(await states(ids)).toEqual(Array(THRESHOLD + 1).fill("active"));
    expect(await selectorAudit()).toEqual([]);

    const proved = raced(async () => ({ method: "totp", justification: "grew while I looked" }));
    const result = await h.authority.lifecycle.revokeBySelector({ owner: "racy" }, "r", actor, proved.stepUp);
    expect(result.revoked).toBe(THRESHOLD + 1);
    expect(proved.calls).toEqual(["require"]);
    expect((await selectorAudit())[0]?.data.stepUp).toEqual({ method: "totp", justification: "grew while I looked" });
  });
});
