import { afterEach, beforeEach, expect, it } from "vitest";
import type { Actor } from "../../src/domain/actor.js";
import { createHarness, type Harness } from "../harness.js";
import { describeEachStore } from "../stores.js";

const detector: Actor = { id: "detector:new_user_agent", scopes: new Set() };

describeEachStore("key suspension", (kind) => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  const changes = (type: string) =>
    h.authority.database.db.selectFrom("change_log").selectAll().where("type", "=", type).orderBy("seq").execute();
  const audit = (action: string) =>
    h.authority.database.db.selectFrom("audit_log").selectAll().where("action", "=", action).orderBy("seq").execute();

  it("suspends reversibly: refused while suspended, back to what it was after resume, each step logged and audited", async () => {
    const { id, secret, principalId } = await h.key(["orders:read"]);
    const suspended = await h.authority.lifecycle.suspend(id, "traffic from a new network", detector);
    expect(suspended.changed).toBe(true);
    expect(suspended.sequence).toBeGreaterThan(0);
    expect(suspended.key).toMatchObject({
      state: "suspended",
      suspendedBy: "detector:new_user_agent",
      suspendedReason: "traffic from a new network",
      suspendedVia: null,
      canary: false,
    });
    expect((await h.authority.introspect(secret)).response).toEqual({ active: false });
    expect((await h.authority.keys.list({ state: "suspended" })).items.map((k) => k.id)).toEqual([id]);
    expect((await h.authority.keys.list({ state: "active" })).items.map((k) => k.id)).not.toContain(id);
    expect((await h.authority.tokenCounts()).suspended).toBe(1);
    const [change] = await changes("key.suspended");
    expect(change?.seq).toBe(suspended.sequence);
    expect(JSON.parse(change?.data as string)).toEqual({
      ids: [id],
      reason: "traffic from a new network",
      cause: "key.suspend",
    });
    const [record] = await audit("key.suspended");
    expect(record).toMatchObject({ actor: "detector:new_user_agent", target_id: id });
    expect(JSON.parse(record?.data as string)).toMatchObject({ principalId, stateBefore: "active" });

    const again = await h.authority.lifecycle.suspend(id, "second time", h.system);
    expect(again).toMatchObject({ changed: false, sequence: null });
    expect(again.key.suspendedReason).toBe("traffic from a new network");

    const resumed = await h.authority.lifecycle.resume(id, "owner confirmed", h.system);
    expect(resumed.changed).toBe(true);
    expect(resumed.sequence).toBeGreaterThan(suspended.sequence as number);
    expect(resumed.key).toMatchObject({ state: "active", suspendedAt: null, suspendedReason: null });
    expect((await h.authority.introspect(secret)).response.active).toBe(true);
    expect(JSON.parse((await changes("key.resumed"))[0]?.data as string)).toMatchObject({
      ids: [id],
      cause: "key.resume",
    });
    expect(JSON.parse((await audit("key.resumed"))[0]?.data as string)).toMatchObject({
      suspendedBy: "detector:new_user_agent",
      suspendedReason: "traffic from a new network",
    });
    expect((await h.authority.tokenCounts()).suspended).toBe(0);
  });

  it("gives a deprecated key back deprecated, and a suspended admin key authenticates nothing", async () => {
    const { id } = await h.key(["orders:read"]);
    const rotated = await h.authority.lifecycle.rotate(id, {}, h.system);
    expect(rotated.previous.state).toBe("deprecated");
    await h.authority.lifecycle.suspend(id, "check", h.system);
    expect((await h.authority.keys.get(id)).state).toBe("suspended");
    expect((await h.authority.lifecycle.resume(id, "ok", h.system)).key.state).toBe("deprecated");
    const admin = await h.adminKey(["keys:read"]);
    await h.authority.lifecycle.suspend(admin.id, "check", h.system);
    const found = await h.authority.lookupKey(admin.secret);
    expect(found).toMatchObject({ found: true, state: "suspended", usable: false });
  });

  it("refuses with stable codes and changes nothing: resume of a live key, suspension of revoked, expired or canary keys", async () => {
    const live = await h.key(["orders:read"]);
    await expect(h.authority.lifecycle.resume(live.id, "x", h.system)).rejects.toMatchObject({
      code: "key_not_suspended",
      details: { state: "active" },
    });
    await expect(h.authority.lifecycle.suspend(live.id, "  ", h.system)).rejects.toMatchObject({
      code: "validation_failed",
    });
    await expect(h.authority.lifecycle.suspend("key_missing", "x", h.system)).rejects.toMatchObject({
      code: "not_found",
    });
    const revoked = await h.key(["orders:read"]);
    await h.authority.lifecycle.revoke(revoked.id, "gone", h.system);
    await expect(h.authority.lifecycle.suspend(revoked.id, "x", h.system)).rejects.toMatchObject({
      code: "key_not_active",
      details: { state: "revoked" },
    });
    const expiring = await h.key(["orders:read"], { expiresInMs: 1000 });
    h.clock.advance(1000);
    await expect(h.authority.lifecycle.suspend(expiring.id, "x", h.system)).rejects.toMatchObject({
      code: "key_not_active",
      details: { state: "expired" },
    });
    const principalId = await h.principal();
    const canary = await h.authority.keys.issue({ principalId, scopes: [], canary: true }, h.system);
    await expect(h.authority.lifecycle.suspend(canary.key.id, "x", h.system)).rejects.toMatchObject({
      code: "key_not_active",
      details: { canary: true },
    });
    expect(await changes("key.suspended")).toEqual([]);
    expect(await audit("key.suspended")).toEqual([]);
  });

  it("revokes a suspended key (then it cannot be resumed), and refuses to rotate one", async () => {
    const { id } = await h.key(["orders:read"]);
    await h.authority.lifecycle.suspend(id, "check", h.system);
    await expect(h.authority.lifecycle.rotate(id, {}, h.system)).rejects.toMatchObject({
      code: "key_not_active",
      details: { state: "suspended" },
    });
    const revoked = await h.authority.lifecycle.revoke(id, "confirmed leak", h.system);
    expect(revoked).toMatchObject({ changed: true, key: { state: "revoked" } });
    await expect(h.authority.lifecycle.resume(id, "x", h.system)).rejects.toMatchObject({
      code: "key_not_suspended",
      details: { state: "revoked" },
    });
  });
});

describeEachStore("principal suspension", (kind) => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  it("suspends every live key it holds and resumes only those its suspension suspended", async () => {
    const principalId = await h.principal({ scopes: ["orders:read"] });
    const issue = async () => (await h.authority.keys.issue({ principalId, scopes: ["orders:read"] }, h.system)).key.id;
    const [alone, a, b, revoked] = [await issue(), await issue(), await issue(), await issue()];
    await h.authority.lifecycle.suspend(alone, "suspended by itself first", h.system);
    await h.authority.lifecycle.revoke(revoked, "gone", h.system);
    const canary = await h.authority.keys.issue({ principalId, scopes: [], canary: true }, h.system);

    const suspended = await h.authority.principalSuspension.suspend(principalId, "investigation", h.system);
    expect(suspended.changed).toBe(true);
    expect(suspended.keyIds.sort()).toEqual([a, b].sort());
    expect(suspended.principal.suspendedReason).toBe("investigation");
    expect((await h.authority.keys.get(a)).suspendedVia).toBe(principalId);
    expect((await h.authority.keys.get(alone)).suspendedVia).toBeNull();
    expect((await h.authority.keys.get(canary.key.id)).state).toBe("active");
    await expect(h.authority.keys.issue({ principalId, scopes: ["orders:read"] }, h.system)).rejects.toMatchObject({
      code: "principal_suspended",
    });
    expect((await h.authority.principalSuspension.suspend(principalId, "again", h.system)).changed).toBe(false);

    // A key suspended through the principal and then by itself stays suspended on resume.
    const takeover = await h.authority.lifecycle.suspend(b, "and this one by itself", h.system);
    expect(takeover).toMatchObject({ changed: true, sequence: null, key: { state: "suspended", suspendedVia: null } });

    const resumed = await h.authority.principalSuspension.resume(principalId, "cleared", h.system);
    expect(resumed.keyIds).toEqual([a]);
    expect((await h.authority.keys.get(a)).state).toBe("active");
    expect((await h.authority.keys.get(b)).state).toBe("suspended");
    expect((await h.authority.keys.get(alone)).state).toBe("suspended");
    expect((await h.authority.keys.get(revoked)).state).toBe("revoked");
    await expect(h.authority.principalSuspension.resume(principalId, "again", h.system)).rejects.toMatchObject({
      code: "principal_not_suspended",
    });
    const actions = await h.authority.database.db
      .selectFrom("audit_log")
      .select("action")
      .where("target_id", "=", principalId)
      .execute();
    expect(actions.map((r) => r.action)).toEqual(expect.arrayContaining(["principal.suspended", "principal.resumed"]));
  });
});
