import { afterEach, beforeEach, expect, it } from "vitest";
import { type Authority, createAuthority } from "../../src/authority.js";
import { systemClock } from "../../src/clock.js";
import { loadConfig } from "../../src/config.js";
import { runUnitOfWork } from "../../src/db/transaction.js";
import { systemActor } from "../../src/principals/index.js";
import { createTestStore, describeEachStore, type TestStore } from "../stores.js";

/**
 * Several authority instances (each its own connection pool) write at once while a reader
 * tails the change log. The reader must see every sequence number exactly once, in order,
 * never finding later a number below one it has already passed.
 */
describeEachStore("change-log sequence under concurrent writers", (kind) => {
  let store: TestStore;
  let writers: Authority[] = [];
  beforeEach(async () => {
    store = await createTestStore(kind);
  });
  afterEach(async () => {
    await Promise.all(writers.map((w) => w.close()));
    writers = [];
    await store.drop();
  });

  it("is gap-free and becomes visible in order", async () => {
    const instances = kind === "postgres" ? 6 : 3;
    const perWriter = kind === "postgres" ? 40 : 30;
    // PostgreSQL: one authority instance (own pool) per writer. SQLite serves one authority
    // process (several instances need PostgreSQL), so there the writers share one instance;
    // two synchronous SQLite connections in one event loop would only deadlock each other.
    const pools = kind === "postgres" ? instances : 1;
    for (let i = 0; i < pools; i++) {
      const config = loadConfig({}, { databaseUrl: store.url });
      writers.push(await createAuthority({ config, clock: systemClock }));
    }
    const writerInstances = Array.from({ length: instances }, (_, i) => writers[i % pools] as Authority);
    const actor = systemActor("test");
    const first = writers[0] as Authority;
    const principal = await first.principals.create(
      { name: "seq-test", kind: "service", owner: "t", allowedScopes: ["a"] },
      actor,
    );
    const reader = first.database.db;
    const seen: number[] = [];
    let writing = true;
    const tail = (async () => {
      let last = 0;
      while (writing || last < instances * perWriter) {
        // Read the flag before the query: a write that commits after the query's snapshot but
        // before its answer arrives must not end the tail with that row unseen.
        const writesDone = !writing;
        const rows = await reader
          .selectFrom("change_log")
          .select("seq")
          .where("seq", ">", last)
          .orderBy("seq")
          .execute();
        for (const row of rows) {
          // A gap here would mean a later number committed before an earlier one.
          expect(row.seq).toBe(last + 1);
          last = row.seq;
          seen.push(row.seq);
        }
        if (writesDone && rows.length === 0) break;
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    const writes = Promise.all(
      writerInstances.map(async (writer) => {
        for (let i = 0; i < perWriter; i++) {
          // Interleave writes that roll back: a rolled-back transaction must not leave a gap.
          if (i % 10 === 5) {
            await expect(
              runUnitOfWork({ db: writer.database.db, clock: systemClock, commitListener: undefined }, async (unit) => {
                await unit.appendChange({ type: "test.aborted", data: {} });
                throw new Error("abort after taking a sequence number");
              }),
            ).rejects.toThrow("abort after taking");
          }
          await writer.keys.issue({ principalId: principal.id, scopes: ["a"] }, actor);
        }
      }),
    );
    try {
      await writes;
    } finally {
      writing = false;
      await tail;
    }
    expect(seen).toEqual(Array.from({ length: instances * perWriter }, (_, i) => i + 1));
  });
});

/**
 * A unit of work takes each sequence row once and counts further entries in memory, writing
 * the row back before its commit: the numbers, the audit chain and the stored heads must come
 * out exactly as if every entry had updated the row itself.
 */
describeEachStore("sequences within one unit of work", (kind) => {
  let store: TestStore;
  let authority: Authority;
  beforeEach(async () => {
    store = await createTestStore(kind);
    authority = await createAuthority({ config: loadConfig({}, { databaseUrl: store.url }), clock: systemClock });
  });
  afterEach(async () => {
    await authority.close();
    await store.drop();
  });

  async function heads() {
    const rows = await authority.database.db.selectFrom("sequences").select(["name", "value", "last_hash"]).execute();
    return Object.fromEntries(rows.map((row) => [row.name, { value: Number(row.value), lastHash: row.last_hash }]));
  }

  it("numbers many entries in order, chains their audit records and stores where they ended", async () => {
    const db = authority.database.db;
    const target = { db, clock: systemClock, commitListener: undefined };
    const before = await heads();
    const changeBase = before.change?.value ?? 0;
    const auditBase = before.audit?.value ?? 0;
    const numbers = await runUnitOfWork(target, async (unit) => {
      const out: number[] = [];
      for (let i = 0; i < 3; i++) {
        out.push(await unit.appendChange({ type: "test.one", data: { i } }));
        out.push(await unit.appendAudit({ actor: "test", action: "test.one", data: { i } }));
      }
      out.push(...(await unit.appendChanges([0, 1, 2].map((i) => ({ type: "test.bulk", data: { i } })))));
      out.push(await unit.appendAudit({ actor: "test", action: "test.last" }));
      return out;
    });
    const c = changeBase;
    const a = auditBase;
    expect(numbers).toEqual([c + 1, a + 1, c + 2, a + 2, c + 3, a + 3, c + 4, c + 5, c + 6, a + 4]);
    // A unit that rolls back leaves the heads where they were.
    await expect(
      runUnitOfWork(target, async (unit) => {
        await unit.appendChange({ type: "test.aborted", data: {} });
        await unit.appendAudit({ actor: "test", action: "test.aborted" });
        await unit.appendAudit({ actor: "test", action: "test.aborted" });
        throw new Error("abort after appending");
      }),
    ).rejects.toThrow("abort after appending");
    // The next unit continues from the stored heads, and the chain verifies against them.
    const next = await runUnitOfWork(target, async (unit) => [
      await unit.appendChange({ type: "test.next", data: {} }),
      await unit.appendAudit({ actor: "test", action: "test.next" }),
    ]);
    expect(next).toEqual([c + 7, a + 5]);
    const after = await heads();
    expect(after.change?.value).toBe(c + 7);
    expect(after.audit?.value).toBe(a + 5);
    const newest = await db.selectFrom("audit_log").select("hash").orderBy("seq", "desc").limit(1).executeTakeFirst();
    expect(after.audit?.lastHash).toBe(newest?.hash);
    const verification = await authority.audit.verify();
    expect(verification.ok).toBe(true);
  });
});
