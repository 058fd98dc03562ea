import { hashToken } from "@tessera/verifier";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createHarness, type Harness } from "../harness.js";
import { describeEachStore } from "../stores.js";

const DAY = 86_400_000;

describeEachStore("keys service", (kind) => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  it("issues a key whose secret is returned once and stored only as a hash", async () => {
    const principalId = await h.principal();
    const issued = await h.authority.keys.issue(
      { principalId, scopes: ["orders:read"], description: "checkout", metadata: { team: "a" } },
      h.system,
    );
    expect(issued.secret).toMatch(/^tsk_[0-9A-Za-z]{38}$/);
    expect(issued.key.state).toBe("active");
    expect(issued.key.start).toBe(issued.secret.slice(0, 8));
    const row = await h.authority.database.db.selectFrom("api_keys").selectAll().executeTakeFirstOrThrow();
    expect(row.key_hash).toBe(hashToken(issued.secret));
    expect(JSON.stringify(row)).not.toContain(issued.secret);
    const audit = await h.authority.database.db.selectFrom("audit_log").select("data").execute();
    expect(JSON.stringify(audit)).not.toContain(issued.secret);
  });

  it("refuses scopes outside the principal's allowance and lifetimes beyond policy, changing nothing", async () => {
    const principalId = await h.principal({ scopes: ["orders:read"] });
    await expect(h.authority.keys.issue({ principalId, scopes: ["orders:write"] }, h.system)).rejects.toMatchObject({
      code: "scope_not_allowed",
    });
    await expect(
      h.authority.keys.issue({ principalId, scopes: ["orders:read"], expiresInMs: 400 * DAY }, h.system),
    ).rejects.toMatchObject({ code: "expiry_exceeds_policy" });
    await expect(h.authority.keys.issue({ principalId, scopes: [] }, h.system)).rejects.toMatchObject({
      code: "validation_failed",
    });
    await expect(h.authority.keys.issue({ principalId: "prn_missing", scopes: ["a"] }, h.system)).rejects.toMatchObject(
      { code: "not_found" },
    );
    const count = await h.authority.database.db
      .selectFrom("api_keys")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
  });

  it("applies the default lifetime and treats a key as expired from the moment it expires", async () => {
    const { id, secret } = await h.key(["orders:read"], { expiresInMs: 1000 });
    expect((await h.authority.introspect(secret)).response.active).toBe(true);
    h.clock.advance(999);
    expect((await h.authority.keys.get(id)).state).toBe("active");
    h.clock.advance(1);
    expect((await h.authority.keys.get(id)).state).toBe("expired");
    expect((await h.authority.introspect(secret)).response).toEqual({ active: false });
    const principalId = await h.principal();
    const issued = await h.authority.keys.issue({ principalId, scopes: ["orders:read"] }, h.system);
    expect(Date.parse(issued.key.expiresAt ?? "") - h.clock.now()).toBe(90 * DAY);
  });

  it("revokes with a reason, idempotently", async () => {
    const { id, secret } = await h.key(["orders:read"]);
    await expect(h.authority.lifecycle.revoke(id, "  ", h.system)).rejects.toMatchObject({ code: "validation_failed" });
    const first = await h.authority.lifecycle.revoke(id, "leaked in a ticket", h.system);
    expect(first.changed).toBe(true);
    expect(first.sequence).toBeGreaterThan(0);
    expect(first.key.state).toBe("revoked");
    expect(first.key.revokedReason).toBe("leaked in a ticket");
    const again = await h.authority.lifecycle.revoke(id, "second time", h.system);
    expect(again.changed).toBe(false);
    expect(again.key.revokedReason).toBe("leaked in a ticket");
    expect((await h.authority.introspect(secret)).response).toEqual({ active: false });
    await expect(h.authority.lifecycle.revoke("key_nope", "x", h.system)).rejects.toMatchObject({ code: "not_found" });
  });

  it("rotates with a grace window, then the old key expires; rollback restores it while the window is open", async () => {
    const { id, secret } = await h.key(["orders:read", "orders:write"]);
    await expect(h.authority.lifecycle.rotate(id, { scopes: ["billing:read"] }, h.system)).rejects.toMatchObject({
      code: "scope_not_allowed",
    });
    const rotated = await h.authority.lifecycle.rotate(id, { scopes: ["orders:read"], graceMs: 60_000 }, h.system);
    expect(rotated.previous.state).toBe("deprecated");
    expect(rotated.replacement.scopes).toEqual(["orders:read"]);
    expect(rotated.replacement.replaces).toBe(id);
    const oldIntrospection = await h.authority.introspect(secret);
    expect(oldIntrospection.response).toMatchObject({ active: true, deprecated: true });
    expect((await h.authority.introspect(rotated.secret)).response).toMatchObject({
      active: true,
      scope: "orders:read",
    });
    // A deprecated key cannot be rotated again.
    await expect(h.authority.lifecycle.rotate(id, {}, h.system)).rejects.toMatchObject({ code: "key_not_active" });

    const rolledBack = await h.authority.lifecycle.rollback(rotated.replacement.id, h.system);
    expect(rolledBack.restored.state).toBe("active");
    expect(rolledBack.restored.expiresAt).not.toBe(rotated.previous.expiresAt);
    expect(rolledBack.revokedReplacement.state).toBe("revoked");
    expect((await h.authority.introspect(rotated.secret)).response).toEqual({ active: false });
    expect((await h.authority.introspect(secret)).response).toMatchObject({ active: true });
    await expect(h.authority.lifecycle.rollback(id, h.system)).rejects.toMatchObject({ code: "rotation_not_open" });

    const second = await h.authority.lifecycle.rotate(id, { graceMs: 60_000 }, h.system);
    h.clock.advance(60_000);
    expect((await h.authority.keys.get(id)).state).toBe("expired");
    expect((await h.authority.introspect(secret)).response).toEqual({ active: false });
    expect((await h.authority.introspect(second.secret)).response.active).toBe(true);
    await expect(h.authority.lifecycle.rollback(id, h.system)).rejects.toMatchObject({ code: "rotation_not_open" });
  });

  it("refuses a grace window beyond policy", async () => {
    const { id } = await h.key(["orders:read"]);
    await expect(h.authority.lifecycle.rotate(id, { graceMs: 31 * DAY }, h.system)).rejects.toMatchObject({
      code: "expiry_exceeds_policy",
    });
    expect((await h.authority.keys.get(id)).state).toBe("active");
  });

  it("revokes by selector: principal, owner, scope, creation window and ids", async () => {
    const a = await h.key(["orders:read"], { owner: "team-a" });
    const b = await h.key(["orders:write"], { owner: "team-b" });
    h.clock.advance(10_000);
    const c = await h.key(["orders:write"], { owner: "team-b" });
    const d = await h.key(["billing:read"], { owner: "team-c" });

    await expect(h.authority.lifecycle.revokeBySelector({}, "x", h.system)).rejects.toMatchObject({
      code: "selector_empty",
    });
    const byOwnerBefore = await h.authority.lifecycle.revokeBySelector(
      { owner: "team-b", createdBefore: h.clock.now() },
      "incident 42",
      h.system,
    );
    expect(byOwnerBefore.revoked).toBe(1);
    expect(byOwnerBefore.ids).toEqual([b.id]);
    const byScope = await h.authority.lifecycle.revokeBySelector({ scope: "orders:write" }, "incident 42", h.system);
    expect(byScope.ids).toEqual([c.id]);
    const byPrincipal = await h.authority.lifecycle.revokeBySelector({ principalId: a.principalId }, "r", h.system);
    expect(byPrincipal.ids).toEqual([a.id]);
    const byIds = await h.authority.lifecycle.revokeBySelector({ ids: [d.id, a.id, "key_unknown"] }, "r", h.system);
    expect(byIds.ids).toEqual([d.id]);
    const again = await h.authority.lifecycle.revokeBySelector({ ids: [d.id] }, "r", h.system);
    expect(again).toEqual({ revoked: 0, ids: [], sequence: null });
  });

  it("does not treat _ or % in a scope selector as wildcards", async () => {
    const target = await h.key(["read_x"]);
    const other = await h.key(["readAx"]);
    const result = await h.authority.lifecycle.revokeBySelector({ scope: "read_x" }, "r", h.system);
    expect(result.ids).toEqual([target.id]);
    expect((await h.authority.keys.get(other.id)).state).toBe("active");
  });

  it("lists the inventory by principal, owner, scope, state, expiring within, last used and never used", async () => {
    const a = await h.key(["orders:read"], { owner: "team-a", expiresInMs: 2 * DAY });
    const b = await h.key(["orders:write"], { owner: "team-b" });
    const c = await h.key(["orders:write"], { owner: "team-b" });
    await h.authority.lifecycle.revoke(c.id, "gone", h.system);
    await h.authority.introspect(b.secret);
    await h.authority.usage.flush();

    const ids = async (filter: Parameters<Harness["authority"]["keys"]["list"]>[0]) =>
      (await h.authority.keys.list(filter)).items.map((k) => k.id).sort();
    expect(await ids({ owner: "team-b" })).toEqual([b.id, c.id].sort());
    expect(await ids({ principalId: a.principalId })).toEqual([a.id]);
    expect(await ids({ scope: "orders:write", state: "active" })).toEqual([b.id]);
    expect(await ids({ state: "revoked" })).toEqual([c.id]);
    expect(await ids({ expiringWithinMs: 3 * DAY })).toEqual([a.id]);
    expect(await ids({ neverUsed: true, state: "active" })).toEqual([a.id]);
    expect(await ids({ lastUsedBefore: h.clock.now() + 1 })).toEqual([b.id]);
    h.clock.advance(2 * DAY);
    expect(await ids({ state: "expired" })).toEqual([a.id]);

    const page1 = await h.authority.keys.list({ limit: 2 });
    expect(page1.items).toHaveLength(2);
    const page2 = await h.authority.keys.list({ limit: 2, cursor: page1.nextCursor ?? "" });
    expect(page2.items).toHaveLength(1);
    expect(page2.nextCursor).toBeNull();
    expect(new Set([...page1.items, ...page2.items].map((k) => k.id)).size).toBe(3);
  });

  it("disabling a principal revokes all its credentials in the same transaction", async () => {
    const principalId = await h.principal();
    const k1 = await h.authority.keys.issue({ principalId, scopes: ["orders:read"] }, h.system);
    const k2 = await h.authority.keys.issue({ principalId, scopes: ["orders:write"] }, h.system);
    const result = await h.authority.principals.disable(principalId, "left the company", h.system);
    expect(result.revokedKeyIds.sort()).toEqual([k1.key.id, k2.key.id].sort());
    expect(result.principal.status).toBe("disabled");
    for (const k of [k1, k2]) expect((await h.authority.introspect(k.secret)).response).toEqual({ active: false });
    await expect(h.authority.keys.issue({ principalId, scopes: ["orders:read"] }, h.system)).rejects.toMatchObject({
      code: "principal_disabled",
    });
  });

  it("counts keys by state", async () => {
    const a = await h.key(["orders:read"], { expiresInMs: 1000 });
    const b = await h.key(["orders:read"]);
    await h.key(["orders:read"]);
    await h.authority.lifecycle.revoke(b.id, "r", h.system);
    h.clock.advance(1000);
    expect(a.id).toBeTruthy();
    expect(await h.authority.tokenCounts()).toEqual({ active: 1, deprecated: 0, suspended: 0, revoked: 1, expired: 1 });
  });
});
