/**
 * A revocation that takes whole principals is sent to verifiers as those principals, so it must
 * revoke exactly the keys logged before it: a key issued by a transaction that took an earlier
 * change sequence but had not committed when the revocation started must be revoked too.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { runUnitOfWork } from "../../src/db/transaction.js";
import { createHarness, type Harness } from "../harness.js";
import { describeEachStore } from "../stores.js";

describeEachStore("whole-principal revocation", (kind) => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  it("records the principals, and waits for a key issued earlier in the log but not yet committed", async () => {
    const principalId = await h.principal({ scopes: ["orders:read"] });
    const first = await h.authority.keys.issue({ principalId, scopes: ["orders:read"] }, h.system);
    const db = h.authority.database.db;

    // A writer that logs a key of the principal, then holds its transaction open.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let logged: () => void = () => undefined;
    const hasLogged = new Promise<void>((resolve) => {
      logged = resolve;
    });
    const writer = runUnitOfWork(db, h.clock, async (unit) => {
      const now = unit.now;
      await unit.trx
        .insertInto("api_keys")
        .values({
          id: "key_slowwriter000000000",
          principal_id: principalId,
          key_hash: "A".repeat(43),
          start: "tsk_slow",
          scopes: '["orders:read"]',
          audience: null,
          description: "",
          metadata: "{}",
          status: "active",
          created_at: now,
          created_by: "test",
          expires_at: null,
          revoked_at: null,
          revoked_by: null,
          revoked_reason: null,
          replaced_by: null,
          replaces: null,
          grace_until: null,
          expires_at_before_rotation: null,
          last_used_at: null,
        })
        .execute();
      await unit.appendChange({ type: "key.issued", data: { key: { id: "key_slowwriter000000000" } } });
      logged();
      await held;
    });
    await hasLogged;
    const revoking = h.authority.lifecycle.revokeBySelector({ principalId }, "compromised", h.system);
    // Let the revocation start (and, on PostgreSQL, wait for the writer's sequence lock).
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await writer;
    const result = await revoking;

    expect(result.revoked).toBe(2);
    expect([...result.ids].sort()).toEqual([first.key.id, "key_slowwriter000000000"].sort());
    const change = await db
      .selectFrom("change_log")
      .select("data")
      .where("type", "=", "key.revoked")
      .orderBy("seq", "desc")
      .executeTakeFirstOrThrow();
    expect(JSON.parse(change.data)).toMatchObject({ principalIds: [principalId], cause: "revocation.selector" });
    const left = await db
      .selectFrom("api_keys")
      .select("id")
      .where("principal_id", "=", principalId)
      .where("status", "!=", "revoked")
      .execute();
    expect(left).toEqual([]);
  });

  it("records no principals for a selector that takes only some of a principal's keys", async () => {
    const principalId = await h.principal({ scopes: ["orders:read"] });
    await h.authority.keys.issue({ principalId, scopes: ["orders:read"] }, h.system);
    await h.authority.lifecycle.revokeBySelector(
      { principalId, createdBefore: h.clock.now() + 1 },
      "breach window",
      h.system,
    );
    const change = await h.authority.database.db
      .selectFrom("change_log")
      .select("data")
      .where("type", "=", "key.revoked")
      .executeTakeFirstOrThrow();
    expect(JSON.parse(change.data).principalIds).toBeUndefined();
  });
});
