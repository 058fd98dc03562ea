import { afterEach, beforeEach, expect, it } from "vitest";
import { recipient } from "../campaigns/fixture.js";
import { createHttpHarness, type HttpHarness } from "../http-harness.js";
import { describeEachStore } from "../stores.js";

describeEachStore("leak reports", (kind) => {
  let h: HttpHarness;
  beforeEach(async () => {
    h = await createHttpHarness(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  it("checks found tokens: active, revoked, unknown and malformed", async () => {
    const live = await h.key(["a"]);
    const dead = await h.key(["a"]);
    await h.authority.lifecycle.revoke(dead.id, "r", h.system);
    const unknown = `${live.secret.slice(0, 4)}${"B".repeat(32)}${live.secret.slice(-6)}`;
    const response = await h.call("POST", "/v1/leaks/check", {
      body: { tokens: [live.secret, dead.secret, unknown, "garbage"] },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().results).toEqual([
      { index: 0, status: "active", keyId: live.id },
      { index: 1, status: "revoked", keyId: dead.id },
      { index: 2, status: "unknown", keyId: null },
      { index: 3, status: "unknown", keyId: null },
    ]);
  });

  it("revokes live leaked keys with the location as reason and audits each finding", async () => {
    const live = await h.key(["a"]);
    const dead = await h.key(["a"]);
    await h.authority.lifecycle.revoke(dead.id, "earlier", h.system);
    const response = await h.call("POST", "/v1/leaks", {
      body: {
        leaks: [
          { token: live.secret, location: "src/app.ts:3:14 (commit abc123)", detector: "tessera", fingerprint: "f1" },
          { token: dead.secret, location: "build.log:88:1" },
          { token: "tsk_nope", location: "x" },
        ],
      },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      action: "revoke",
      results: [
        { index: 0, keyId: live.id, statusBefore: "active", actionTaken: "revoked" },
        { index: 1, keyId: dead.id, statusBefore: "revoked", actionTaken: "none" },
        { index: 2, keyId: null, statusBefore: "unknown", actionTaken: "none" },
      ],
    });
    const key = await h.authority.keys.get(live.id);
    expect(key).toMatchObject({ state: "revoked", revokedReason: "leaked: src/app.ts:3:14 (commit abc123)" });
    const audit = await h.authority.audit.list({ action: "leak.reported" });
    expect(audit.items).toHaveLength(2);
    expect(audit.items[0]?.data).toMatchObject({
      finding: { location: "src/app.ts:3:14 (commit abc123)", detector: "tessera", fingerprint: "f1" },
      actionTaken: "revoked",
    });
    const all = JSON.stringify((await h.authority.audit.list({ limit: 1000 })).items);
    expect(all).not.toContain(live.secret.slice(8, 20));
  });

  it("follows the deployment's policy: deprecate with a short expiry, or only notify", async () => {
    await h.close();
    h = await createHttpHarness(kind, { leakAction: "deprecate", leakDeprecateWithinMs: 60_000 });
    const k = await h.key(["a"]);
    const response = await h.call("POST", "/v1/leaks", {
      body: { leaks: [{ token: k.secret, location: "ci.log:1:1" }] },
    });
    expect(response.json().results[0].actionTaken).toBe("deprecated");
    expect(await h.authority.keys.get(k.id)).toMatchObject({ state: "deprecated" });
    h.clock.advance(60_000);
    expect(await h.authority.keys.get(k.id)).toMatchObject({ state: "expired" });

    const n = await h.key(["a"]);
    const notify = await h.call("POST", "/v1/leaks", {
      body: { action: "notify", leaks: [{ token: n.secret, location: "ci.log:2:1" }] },
    });
    expect(notify.json().results[0].actionTaken).toBe("notified");
    expect(await h.authority.keys.get(n.id)).toMatchObject({ state: "active" });
    expect((await h.authority.audit.list({ action: "leak.reported", targetId: n.id })).items).toHaveLength(1);
  });

  // A leaked key deprecated by the report must not come back to its old lifetime through a
  // rollback of a rotation it was in: the rollback restores the expiry from before the rotation.
  it("a key reported leaked in a rotation keeps the leak's deadline when the rotation is rolled back", async () => {
    await h.close();
    h = await createHttpHarness(kind, { leakAction: "deprecate", leakDeprecateWithinMs: 60_000 });
    const k = await h.key(["a"]);
    await h.authority.lifecycle.rotate(k.id, {}, h.system);
    const leak = await h.call("POST", "/v1/leaks", { body: { leaks: [{ token: k.secret, location: "ci.log:1:1" }] } });
    expect(leak.json().results[0]).toMatchObject({ statusBefore: "deprecated", actionTaken: "deprecated" });
    const deadline = new Date(h.clock.now() + 60_000).toISOString();
    const rolledBack = await h.call("POST", `/v1/keys/${k.id}/rollback`, { body: {} });
    expect(rolledBack.statusCode).toBe(200);
    expect(await h.authority.keys.get(k.id)).toMatchObject({ state: "active", expiresAt: deadline });
    h.clock.advance(60_000);
    expect(await h.authority.keys.get(k.id)).toMatchObject({ state: "expired" });
  });

  it("a key reported leaked in a rotation campaign keeps the leak's deadline when the campaign is rolled back", async () => {
    await h.close();
    h = await createHttpHarness(kind, { leakAction: "deprecate", leakDeprecateWithinMs: 60_000 });
    const k = await h.key(["a"], { owner: "team-leaky" });
    const team = await recipient();
    const { campaign } = await h.authority.campaigns.create(
      { selector: { owner: "team-leaky" }, description: "rotate", exportRecipients: { "team-leaky": team.publicJwk } },
      h.system,
    );
    await h.authority.campaigns.execute(campaign.id, {}, h.system);
    await h.call("POST", "/v1/leaks", { body: { leaks: [{ token: k.secret, location: "ci.log:1:1" }] } });
    const deadline = new Date(h.clock.now() + 60_000).toISOString();
    const rolledBack = await h.call("POST", `/v1/campaigns/${campaign.id}/rollback`, { body: { reason: "undo" } });
    expect(rolledBack.statusCode).toBe(200);
    expect(await h.authority.keys.get(k.id)).toMatchObject({ state: "active", expiresAt: deadline });
  });
});
