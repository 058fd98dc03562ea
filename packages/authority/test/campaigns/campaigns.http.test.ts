/**
 * Campaigns over the admin API: step-up (TOTP and justification) on execute and finalize,
 * bad input answered with a 4xx and a code that changes nothing, the export handed out once,
 * and no secret in any answer or log line.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createHttpHarness, type HttpHarness } from "../http-harness.js";
import { codeAt, wrongCodeAt } from "../stepup/helpers.js";
import { describeEachStore } from "../stores.js";
import { type Recipient, recipient } from "./fixture.js";

describeEachStore("campaigns over HTTP", (kind) => {
  let h: HttpHarness;
  let totpSecret: string;
  let teamA: Recipient;
  let olds: { id: string; secret: string }[];
  let campaignId: string;
  const newSecrets: string[] = [];

  /** A fresh code: codes are single-use per 30-second step, so time moves on first. */
  const stepUp = (justification: string) => {
    h.clock.advance(30_000);
    return { otp: codeAt(totpSecret, h.clock.now()), justification };
  };

  beforeAll(async () => {
    h = await createHttpHarness(kind);
    const enrolled = await h.call("POST", "/v1/me/totp");
    expect(enrolled.statusCode).toBe(201);
    totpSecret = enrolled.json().secret;
    const activated = await h.call("POST", "/v1/me/totp/activate", {
      body: { otp: codeAt(totpSecret, h.clock.now()) },
    });
    expect(activated.statusCode).toBe(200);
    teamA = await recipient();
    olds = [];
    for (let i = 0; i < 3; i++) olds.push(await h.key(["orders:read"], { owner: "team-x" }));
  });
  afterAll(async () => {
    await h.close();
  });

  it("refuses bad campaign input with a 4xx and a code", async () => {
    const cases: [unknown, number, string][] = [
      [{ selector: {}, description: "x" }, 400, "selector_empty"],
      [{ selector: { owner: "nobody" }, description: "x" }, 422, "campaign_empty"],
      [{ selector: { all: true, owner: "team-x" }, description: "x" }, 400, "validation_failed"],
      [{ selector: { owner: "team-x" }, description: "" }, 400, "validation_failed"],
      [{ selector: { owner: "team-x" }, description: "x", grace: "forever" }, 400, "validation_failed"],
      [{ selector: { owner: "team-x" }, description: "x", grace: "400d" }, 422, "expiry_exceeds_policy"],
      [{ selector: { owner: "team-x" }, description: "x", selecter: {} }, 400, "validation_failed"],
      [{ selector: { owner: "team-x", createdBefore: "yesterday" }, description: "x" }, 400, "validation_failed"],
      [
        {
          selector: { owner: "team-x" },
          description: "x",
          exportRecipients: { "team-x": { kty: "RSA", n: "x", e: "AQAB" } },
        },
        400,
        "validation_failed",
      ],
      [
        {
          selector: { owner: "team-x" },
          description: "x",
          exportRecipients: { "team-x": { ...teamA.publicJwk, d: "secret" } },
        },
        400,
        "validation_failed",
      ],
    ];
    for (const [body, status, code] of cases) {
      const response = await h.call("POST", "/v1/campaigns", { body });
      expect(response.statusCode, JSON.stringify(body)).toBe(status);
      expect(response.json().error.code, JSON.stringify(body)).toBe(code);
    }
    expect((await h.call("GET", "/v1/campaigns")).json().items).toEqual([]);
    expect((await h.call("GET", "/v1/campaigns/cmp_nope")).statusCode).toBe(404);
    expect((await h.call("GET", "/v1/campaigns/not-an-id")).statusCode).toBe(400);
  });

  it("creates and dry-runs a campaign", async () => {
    const created = await h.call("POST", "/v1/campaigns", {
      body: { selector: { owner: "team-x" }, description: "incident 7", grace: "2h" },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ selected: 3, campaign: { status: "draft", grace: "2h" } });
    campaignId = created.json().campaign.id;
    const dry = await h.call("GET", `/v1/campaigns/${campaignId}/dry-run`);
    expect(dry.statusCode).toBe(200);
    expect(dry.json()).toMatchObject({
      blastRadius: { total: 3, byOwner: [{ owner: "team-x", keys: 3 }], byScope: [{ scope: "orders:read", keys: 3 }] },
      ownersWithoutRecipient: ["team-x"],
    });
    const listed = await h.call("GET", "/v1/campaigns?status=draft");
    expect(listed.json().items.map((c: { id: string }) => c.id)).toEqual([campaignId]);
  });

  it("execute requires step-up: without it or with a wrong code nothing happens", async () => {
    const missing = await h.call("POST", `/v1/campaigns/${campaignId}/execute`, {
      body: { exportRecipients: { "team-x": teamA.publicJwk } },
    });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().error).toMatchObject({ code: "step_up_required", details: { action: "campaign.execute" } });
    const wrong = await h.call("POST", `/v1/campaigns/${campaignId}/execute`, {
      body: {
        exportRecipients: { "team-x": teamA.publicJwk },
        stepUp: { otp: wrongCodeAt(totpSecret, h.clock.now()), justification: "x" },
      },
    });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.code).toBe("step_up_failed");
    const status = (await h.call("GET", `/v1/campaigns/${campaignId}`)).json();
    expect(status).toMatchObject({ campaign: { status: "draft" }, progress: null });
    for (const old of olds) expect((await h.authority.keys.get(old.id)).state).toBe("active");
  });

  it("executes with TOTP and a justification, both in the audit record, no secret in the answer", async () => {
    const executed = await h.call("POST", `/v1/campaigns/${campaignId}/execute`, {
      body: { exportRecipients: { "team-x": teamA.publicJwk }, stepUp: stepUp("leaked in CI logs, ticket SEC-7") },
    });
    expect(executed.statusCode).toBe(200);
    expect(executed.json()).toMatchObject({
      campaign: { status: "executed", keys: 3, exportRecipients: ["team-x"] },
      distribution: { exports: [{ owner: "team-x", keys: 3 }], webhooks: { secrets: 0, endpoints: 0 } },
    });
    expect(executed.body).not.toMatch(/tsk_[A-Za-z0-9]{20,}/);
    const audit = (await h.call("GET", "/v1/audit?action=campaign.executed")).json().items;
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: h.root.principalId,
      targetId: campaignId,
      reason: "leaked in CI logs, ticket SEC-7",
      data: { stepUp: { method: "totp", justification: "leaked in CI logs, ticket SEC-7" } },
    });

    const exported = await h.call("GET", `/v1/campaigns/${campaignId}/export?owner=team-x`);
    expect(exported.statusCode).toBe(200);
    expect(exported.headers["cache-control"]).toBe("no-store");
    const payload = await teamA.decrypt(exported.json().jwe);
    expect(payload.keys.map((k) => k.replaces).sort()).toEqual(olds.map((o) => o.id).sort());
    for (const k of payload.keys) newSecrets.push(k.secret);
    const again = await h.call("GET", `/v1/campaigns/${campaignId}/export?owner=team-x`);
    expect(again.statusCode).toBe(410);
    expect(again.json().error.code).toBe("export_consumed");
    const twice = await h.call("POST", `/v1/campaigns/${campaignId}/execute`, { body: { stepUp: stepUp("again") } });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error.code).toBe("campaign_state");
  });

  it("shows progress and per-key state, paged", async () => {
    // The first consumer introspects with its new key; another still uses its old one.
    const introspector = await h.key(["introspect"]);
    for (const token of [newSecrets[0] as string, olds[1]?.secret as string]) {
      const response = await h.call("POST", "/oauth/introspect", {
        key: introspector.secret,
        body: `token=${token}`,
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
      expect(response.json().active).toBe(true);
    }
    const status = (await h.call("GET", `/v1/campaigns/${campaignId}`)).json();
    expect(status.progress).toMatchObject({ total: 3, replacementUsed: 1, oldInUse: 1, safeToRetire: 2 });
    const first = (await h.call("GET", `/v1/campaigns/${campaignId}/keys?limit=2`)).json();
    expect(first.items).toHaveLength(2);
    const second = (await h.call("GET", `/v1/campaigns/${campaignId}/keys?limit=2&cursor=${first.nextCursor}`)).json();
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    const inUse = (await h.call("GET", `/v1/campaigns/${campaignId}/keys?filter=in_use`)).json();
    expect(inUse.items.map((k: { oldKeyId: string }) => k.oldKeyId)).toEqual([olds[1]?.id]);
    expect((await h.call("GET", `/v1/campaigns/${campaignId}/keys?cursor=%27or%201=1`)).statusCode).toBe(400);
  });

  it("finalize requires step-up, refuses while an old key is in use, and revokes with force", async () => {
    const noStepUp = await h.call("POST", `/v1/campaigns/${campaignId}/finalize`, { body: {} });
    expect(noStepUp.statusCode).toBe(403);
    const refused = await h.call("POST", `/v1/campaigns/${campaignId}/finalize`, {
      body: { stepUp: stepUp("retire the old keys") },
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ code: "keys_in_use", details: { inUse: 1, sample: [olds[1]?.id] } });
    expect((await h.authority.keys.get(olds[0]?.id as string)).state).toBe("deprecated");
    const forced = await h.call("POST", `/v1/campaigns/${campaignId}/finalize`, {
      body: { force: true, stepUp: stepUp("the old key in use is the attacker") },
    });
    expect(forced.statusCode).toBe(200);
    expect(forced.json()).toMatchObject({ revoked: 3, campaign: { status: "finalized", forced: true } });
    const rollback = await h.call("POST", `/v1/campaigns/${campaignId}/rollback`, { body: { reason: "undo" } });
    expect(rollback.statusCode).toBe(409);
    expect(rollback.json().error.code).toBe("campaign_state");
  });

  it("never logged a secret", () => {
    const logs = h.logs.join("\n");
    for (const secret of [...newSecrets, ...olds.map((o) => o.secret)]) expect(logs).not.toContain(secret);
    expect(newSecrets).toHaveLength(3);
  });
});
