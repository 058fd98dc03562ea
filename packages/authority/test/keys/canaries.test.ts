import { afterEach, beforeEach, expect, it } from "vitest";
import type { CanaryUse } from "../../src/keys/index.js";
import { createHarness, type Harness } from "../harness.js";
import { describeEachStore } from "../stores.js";

describeEachStore("canary keys", (kind) => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  async function canary() {
    const principalId = await h.principal();
    const issued = await h.authority.keys.issue(
      { principalId, scopes: [], canary: true, description: "decoy" },
      h.system,
    );
    return { ...issued, principalId };
  }

  it("issues a decoy that grants nothing, marked on the row, the wire record and in the inventory", async () => {
    const { key, secret, principalId } = await canary();
    expect(key).toMatchObject({ canary: true, scopes: [], state: "active", principalId });
    const real = await h.key(["orders:read"]);
    expect((await h.authority.keys.list({ canary: true })).items.map((k) => k.id)).toEqual([key.id]);
    expect((await h.authority.keys.list({ canary: false })).items.map((k) => k.id)).toContain(real.id);
    expect((await h.authority.keys.list({ canary: false })).items.map((k) => k.id)).not.toContain(key.id);
    const change = await h.authority.database.db
      .selectFrom("change_log")
      .select("data")
      .where("type", "=", "key.issued")
      .orderBy("seq", "desc")
      .executeTakeFirstOrThrow();
    expect(JSON.parse(change.data).key).toMatchObject({ id: real.id });
    const canaryChange = await h.authority.database.db
      .selectFrom("change_log")
      .select("data")
      .where("data", "like", `%${key.id}%`)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(canaryChange.data).key).toMatchObject({ id: key.id, canary: true, scopes: [] });
    // Introspection and admin lookups cannot tell it from a key that never existed.
    expect((await h.authority.introspect(secret)).response).toEqual({ active: false });
    expect(await h.authority.lookupKey(secret)).toMatchObject({ found: false, reason: "unknown" });
  });

  it("is left out of rotation, emergency campaigns and the unused-key sweeper", async () => {
    const { key, principalId } = await canary();
    await expect(h.authority.lifecycle.rotate(key.id, {}, h.system)).rejects.toMatchObject({
      code: "key_not_active",
      details: { canary: true },
    });
    h.clock.advance(2 * 3_600_000); // unused for 2 h, unexpired: a candidate, were it not a canary
    const swept = await h.authority.jobs.sweepUnused({ unusedForMs: 3_600_000, dryRun: true, actor: h.system });
    expect(swept.ids).not.toContain(key.id);
    expect(swept.candidates).toBe(0);
    await expect(
      h.authority.campaigns.create({ selector: { principalId }, description: "rotate all" }, h.system),
    ).rejects.toMatchObject({ code: "campaign_empty" });
  });

  it("refuses scopes on a canary with a 400 naming the field, and issues nothing", async () => {
    const principalId = await h.principal();
    await expect(
      h.authority.keys.issue({ principalId, scopes: ["orders:read"], canary: true }, h.system),
    ).rejects.toMatchObject({ code: "validation_failed", details: { field: "scopes" } });
    expect((await h.authority.keys.list({})).items).toEqual([]);
  });

  it("audits reported uses of canaries only, and hands them to subscribers", async () => {
    const { key, principalId } = await canary();
    const real = await h.key(["orders:read"]);
    const heard: CanaryUse[][] = [];
    const unsubscribe = h.authority.canaries.subscribe((uses) => void heard.push(uses));
    const at = h.clock.now();
    const report = (keyId: string | null, address: string) => ({
      keyId,
      route: "/orders",
      address,
      userAgent: "curl/8.5",
      count: 2,
      lastAt: at + 60_000, // a verifier clock ahead of ours: capped at now
    });
    const uses = await h.authority.canaries.onUse(
      [report(key.id, "203.0.113.7"), report(real.id, "203.0.113.8"), report(null, "x"), report("key_nope", "y")],
      "vfy_abc",
    );
    expect(uses).toEqual([
      {
        keyId: key.id,
        principalId,
        reportedBy: "vfy_abc",
        route: "/orders",
        address: "203.0.113.7",
        userAgent: "curl/8.5",
        count: 2,
        at,
        auditSeq: expect.any(Number),
      },
    ]);
    expect(heard).toEqual([uses]);
    const records = await h.authority.database.db
      .selectFrom("audit_log")
      .selectAll()
      .where("action", "=", "key.canary_used")
      .execute();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ actor: "verifier:vfy_abc", target_id: key.id, seq: uses[0]?.auditSeq });
    expect(JSON.parse(records[0]?.data as string)).toMatchObject({ principalId, count: 2, reportedBy: "vfy_abc" });
    // Reports naming no canary write nothing and tell no one.
    expect(await h.authority.canaries.onUse([report(real.id, "203.0.113.9")], "vfy_abc")).toEqual([]);
    unsubscribe();
    await h.authority.canaries.onUse([report(key.id, "203.0.113.7")], "vfy_abc");
    expect(heard).toHaveLength(1);
  });
});
