import { sql } from "kysely";
import { afterEach, beforeEach, expect, it } from "vitest";
import { GENESIS_HASH } from "../../src/db/migrations.js";
import { ChainVerifier } from "../../src/domain/audit-chain.js";
import { createHarness, type Harness } from "../harness.js";
import { describeEachStore } from "../stores.js";

describeEachStore("audit chain", (kind) => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness(kind);
    const { id } = await h.key(["orders:read"]);
    await h.authority.lifecycle.rotate(id, {}, h.system);
    await h.authority.lifecycle.revoke(id, "test", h.system);
  });
  afterEach(async () => {
    await h.close();
  });
  const db = () => h.authority.database.db;

  it("records every action with actor, target and reason, and verifies intact", async () => {
    const { items } = await h.authority.audit.list();
    expect(items.map((r) => r.action)).toEqual(["principal.created", "key.issued", "key.rotated", "key.revoked"]);
    expect(items[3]).toMatchObject({ actor: "system:test", targetType: "key", reason: "test" });
    const result = await h.authority.audit.verify();
    expect(result).toMatchObject({ ok: true, records: 4, problems: [] });
  });

  it("detects an edited record", async () => {
    await db().updateTable("audit_log").set({ reason: "nothing to see" }).where("seq", "=", 4).execute();
    const result = await h.authority.audit.verify();
    expect(result.ok).toBe(false);
    expect(result.problems).toContainEqual(expect.objectContaining({ kind: "edited", seq: 4 }));
  });

  it("detects a deleted record", async () => {
    await db().deleteFrom("audit_log").where("seq", "=", 2).execute();
    const result = await h.authority.audit.verify();
    expect(result.ok).toBe(false);
    expect(result.problems).toContainEqual(expect.objectContaining({ kind: "deleted", seq: 2 }));
  });

  it("detects records removed from the end against the recorded head", async () => {
    await db().deleteFrom("audit_log").where("seq", "=", 4).execute();
    const result = await h.authority.audit.verify();
    expect(result.problems).toContainEqual(expect.objectContaining({ kind: "head_mismatch" }));
  });

  it("detects reordered records, in the database and in an export", async () => {
    // Swap the positions of records 2 and 3 by exchanging their sequence numbers.
    await db().updateTable("audit_log").set({ seq: 1000 }).where("seq", "=", 2).execute();
    await db().updateTable("audit_log").set({ seq: 2 }).where("seq", "=", 3).execute();
    await db().updateTable("audit_log").set({ seq: 3 }).where("seq", "=", 1000).execute();
    const result = await h.authority.audit.verify();
    expect(result.ok).toBe(false);
    await sql`select 1`.execute(db());

    // An exported file with two lines swapped.
    const intact = await createHarness(kind);
    try {
      const { id } = await intact.key(["orders:read"]);
      await intact.authority.lifecycle.revoke(id, "r", intact.system);
      const records = [];
      for await (const r of intact.authority.audit.records()) records.push(r);
      const [a, b, c] = records;
      const verifier = new ChainVerifier(GENESIS_HASH);
      for (const r of [a, c, b]) if (r) verifier.add(r);
      const offline = verifier.finish();
      expect(offline.ok).toBe(false);
      expect(offline.problems.map((p) => p.kind)).toContain("reordered");
    } finally {
      await intact.close();
    }
  });
});
