import { afterEach, expect, it } from "vitest";
import { type Authority, createAuthority } from "../../src/authority.js";
import { ManualClock } from "../../src/clock.js";
import { loadConfig, type TesseraConfig } from "../../src/config.js";
import { createHarness, type Harness } from "../harness.js";
import { createTestStore, describeEachStore } from "../stores.js";

const DAY = 86_400_000;

describeEachStore("scheduled jobs: expiry, sweeper, retention", (kind) => {
  let h: Harness;
  const open = async (overrides: Partial<TesseraConfig> = {}) => {
    h = await createHarness(kind, { jobsIntervalMs: 60_000, ...overrides });
    return h;
  };
  afterEach(async () => {
    await h?.close();
  });
  const changes = async (type: string) =>
    (
      await h.authority.database.db.selectFrom("change_log").select(["type", "data"]).where("type", "=", type).execute()
    ).map((r) => JSON.parse(r.data) as Record<string, unknown>);
  const run = (only: string) => h.authority.jobs.scheduler.runDue({ force: true, only });

  it("announces key.expiring once, N days before expiry, and key.expired once after", async () => {
    await open({ expiryWarningMs: 7 * DAY });
    const soon = await h.key(["a"], { expiresInMs: 5 * DAY });
    const later = await h.key(["a"], { expiresInMs: 30 * DAY });
    expect(await run("expiry-warnings")).toMatchObject({ "expiry-warnings": { warned: 1 } });
    expect(await run("expiry-warnings")).toMatchObject({ "expiry-warnings": { warned: 0 } });
    expect((await changes("key.expiring")).map((c) => c.keyId)).toEqual([soon.id]);
    expect((await h.authority.audit.list({ action: "key.expiring" })).items[0]?.targetId).toBe(soon.id);

    h.clock.advance(5 * DAY);
    expect(await run("expiry-notices")).toMatchObject({ "expiry-notices": { noticed: 1 } });
    expect(await run("expiry-notices")).toMatchObject({ "expiry-notices": { noticed: 0 } });
    expect((await changes("key.expired")).map((c) => c.keyId)).toEqual([soon.id]);
    expect((await h.authority.keys.get(later.id)).state).toBe("active");
  });

  it("sweeps keys unused for N days: a dry run lists them and changes nothing; a run expires them", async () => {
    await open();
    const unused = await h.key(["a"]);
    const used = await h.key(["a"]);
    h.clock.advance(40 * DAY);
    await h.authority.introspect(used.secret);
    await h.authority.usage.flush();
    const fresh = await h.key(["a"]);
    const system = h.system;
    const dry = await h.authority.jobs.sweepUnused({ unusedForMs: 30 * DAY, dryRun: true, actor: system });
    expect(dry).toMatchObject({ dryRun: true, candidates: 1, swept: 0, ids: [unused.id] });
    expect((await h.authority.keys.get(unused.id)).state).toBe("active");
    const real = await h.authority.jobs.sweepUnused({ unusedForMs: 30 * DAY, dryRun: false, actor: system });
    expect(real).toMatchObject({ swept: 1, ids: [unused.id] });
    expect((await h.authority.keys.get(unused.id)).state).toBe("expired");
    expect((await h.authority.introspect(unused.secret)).response).toEqual({ active: false });
    for (const id of [used.id, fresh.id]) expect((await h.authority.keys.get(id)).state).toBe("active");
    expect((await changes("key.expired"))[0]).toMatchObject({ keyId: unused.id, cause: "unused" });
    expect((await h.authority.audit.list({ action: "key.swept" })).items[0]?.reason).toBe("unused for 30d");
    await expect(
      h.authority.jobs.sweepUnused({ unusedForMs: 1000, dryRun: true, actor: system }),
    ).rejects.toMatchObject({
      code: "validation_failed",
    });
  });

  it("the sweeper job is off by default and runs when the policy is set", async () => {
    await open();
    await h.key(["a"]);
    h.clock.advance(100 * DAY);
    expect(await run("unused-sweeper")).toMatchObject({ "unused-sweeper": { disabled: true } });
    await h.close();
    await open({ sweepUnusedAfterMs: 30 * DAY });
    await h.key(["a"]);
    h.clock.advance(31 * DAY);
    expect(await run("unused-sweeper")).toMatchObject({ "unused-sweeper": { swept: 1 } });
  });

  it("purges records of keys revoked or expired longer ago than the retention", async () => {
    await open({ keyRetentionMs: 30 * DAY });
    const revoked = await h.key(["a"]);
    await h.authority.lifecycle.revoke(revoked.id, "r", h.system);
    const expiring = await h.key(["a"], { expiresInMs: DAY });
    const live = await h.key(["a"]);
    h.clock.advance(30 * DAY);
    expect(await run("key-retention")).toMatchObject({ "key-retention": { purged: 0 } });
    h.clock.advance(2 * DAY);
    expect(await run("key-retention")).toMatchObject({ "key-retention": { purged: 2 } });
    await expect(h.authority.keys.get(revoked.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(h.authority.keys.get(expiring.id)).rejects.toMatchObject({ code: "not_found" });
    expect((await h.authority.keys.get(live.id)).state).toBe("active");
    expect((await h.authority.audit.list({ action: "keys.purged" })).items[0]?.data).toMatchObject({ count: 2 });
    expect((await h.authority.audit.verify()).ok).toBe(true);
  });

  it("deletes old audit records and keeps the remaining chain verifiable from its anchor", async () => {
    await open({ auditRetentionMs: 30 * DAY });
    await h.key(["a"]);
    await h.key(["a"]);
    h.clock.advance(31 * DAY);
    const recent = await h.key(["a"]);
    await h.authority.lifecycle.revoke(recent.id, "r", h.system);
    const before = (await h.authority.audit.list({ limit: 1000 })).items;
    expect(await run("audit-retention")).toMatchObject({ "audit-retention": { deleted: 4 } });
    const after = (await h.authority.audit.list({ limit: 1000 })).items;
    expect(after[0]?.seq).toBe(5);
    expect(after.at(-1)?.action).toBe("audit.purged");
    const verified = await h.authority.audit.verify();
    expect(verified).toMatchObject({ ok: true, anchor: { seq: 4, hash: before[3]?.hash } });
    // Deleting a record after the anchor is still caught.
    await h.authority.database.db.deleteFrom("audit_log").where("seq", "=", 5).execute();
    expect((await h.authority.audit.verify()).problems.map((p) => p.kind)).toContain("deleted");
  });

  it("applies lifetime policies per scope and principal kind: the tightest wins", async () => {
    await open({
      lifetimePolicies: [
        { scope: "billing:write", maxTtlMs: 7 * DAY, defaultTtlMs: DAY },
        { principalKind: "user", maxTtlMs: 30 * DAY },
      ],
    });
    const service = await h.principal({ scopes: ["billing:write", "orders:read"] });
    const billing = await h.authority.keys.issue({ principalId: service, scopes: ["billing:write"] }, h.system);
    expect(Date.parse(billing.key.expiresAt ?? "") - h.clock.now()).toBe(DAY);
    await expect(
      h.authority.keys.issue({ principalId: service, scopes: ["billing:write"], expiresInMs: 8 * DAY }, h.system),
    ).rejects.toMatchObject({ code: "expiry_exceeds_policy", message: expect.stringContaining("scope billing:write") });
    const orders = await h.authority.keys.issue({ principalId: service, scopes: ["orders:read"] }, h.system);
    expect(Date.parse(orders.key.expiresAt ?? "") - h.clock.now()).toBe(90 * DAY);
    const user = (
      await h.authority.principals.create(
        { name: "alice", kind: "user", owner: "o", allowedScopes: ["orders:read"] },
        h.system,
      )
    ).id;
    const userKey = await h.authority.keys.issue({ principalId: user, scopes: ["orders:read"] }, h.system);
    expect(Date.parse(userKey.key.expiresAt ?? "") - h.clock.now()).toBe(30 * DAY);
    await expect(
      h.authority.lifecycle.rotate(billing.key.id, { expiresInMs: 10 * DAY }, h.system),
    ).rejects.toMatchObject({ code: "expiry_exceeds_policy" });
  });
});

describeEachStore("job leases across instances", (kind) => {
  let instances: Authority[] = [];
  afterEach(async () => {
    await Promise.all(instances.map((a) => a.close()));
    instances = [];
  });

  it("runs each job once per interval however many instances race for it", async () => {
    const store = await createTestStore(kind);
    try {
      const clock = new ManualClock(Date.now());
      const count = kind === "postgres" ? 4 : 1;
      for (let i = 0; i < count; i++) {
        const config = loadConfig({}, { databaseUrl: store.url, jobsIntervalMs: 60_000, expiryWarningMs: 7 * DAY });
        instances.push(await createAuthority({ config, clock }));
      }
      const first = instances[0] as Authority;
      const actor = { id: "system:test", scopes: new Set(["keys:write", "principals:write"]) };
      const p = await first.principals.create({ name: "p", kind: "service", owner: "o", allowedScopes: ["a"] }, actor);
      await first.keys.issue({ principalId: p.id, scopes: ["a"], expiresInMs: DAY }, actor);
      // Every instance tries every job several times at the same moment.
      const outcomes = await Promise.all(
        instances.flatMap((a) => [a.jobs.scheduler.runDue(), a.jobs.scheduler.runDue(), a.jobs.scheduler.runDue()]),
      );
      const ran = outcomes.filter((o) => o["expiry-warnings"] !== "skipped");
      expect(ran).toHaveLength(1);
      const warned = await first.database.db
        .selectFrom("change_log")
        .select("seq")
        .where("type", "=", "key.expiring")
        .execute();
      expect(warned).toHaveLength(1);
      // Within the interval nothing runs again; after it, exactly one instance runs it again.
      expect((await first.jobs.scheduler.runDue())["expiry-warnings"]).toBe("skipped");
      clock.advance(60_000);
      const next = await Promise.all(instances.map((a) => a.jobs.scheduler.runDue()));
      expect(next.filter((o) => o["expiry-warnings"] !== "skipped")).toHaveLength(1);
      const status = await first.jobs.scheduler.status();
      expect(status.find((s) => s.name === "expiry-warnings")?.lastResult).toMatchObject({ warned: 0 });
    } finally {
      await Promise.all(instances.map((a) => a.close()));
      instances = [];
      await store.drop();
    }
  });
});
