/**
 * Large revocations are told to verifiers as ranges of key ordinals per principal or as a
 * bitmap of ordinals. Either must describe the revocation exactly: every revoked key inside,
 * no key left unrevoked inside; and agree with what verifiers hold just before the change,
 * also when another transaction logged a key of the principal just before it.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { runUnitOfWork } from "../../src/db/transaction.js";
import { ordinalBitmap } from "../../src/domain/ordinal-bitmap.js";
import { ordinalRuns } from "../../src/domain/ordinal-runs.js";
import { COMPACT_FROM_KEYS } from "../../src/keys/compact-revocation.js";
import { createHarness, type Harness } from "../harness.js";
import { keyRowFixture } from "../key-row.js";
import { skipKeyOrdinals } from "../ordinals.js";
import { describeEachStore } from "../stores.js";

describeEachStore("compact revocation forms", (kind) => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  const issue = async (principalId: string, count: number, scopes = ["orders:read"]) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await h.authority.keys.issue({ principalId, scopes }, h.system)).key.id);
    return ids;
  };
  const lastRevocation = async () => {
    const change = await h.authority.database.db
      .selectFrom("change_log")
      .select("data")
      .where("type", "=", "key.revoked")
      .orderBy("seq", "desc")
      .executeTakeFirstOrThrow();
    return JSON.parse(change.data) as {
      ids: string[];
      runs?: Record<string, number[]>;
      ordinalBitmap?: { from: number; bits: string };
      scopeMatch?: { scope: string; principalId?: string };
      ordinalDeltas?: number[];
    };
  };
  const skipOrdinals = (n: number) => skipKeyOrdinals(h.authority.database.db, kind, n);
  /** Issues `count` keys with `gap` other keys' worth of ordinals skipped before each. */
  const issueSpread = async (
    principalId: string,
    count: number,
    gap: number,
    scopes = (_i: number) => ["orders:read"],
  ) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      await skipOrdinals(gap);
      ids.push(...(await issue(principalId, 1, scopes(i))));
    }
    return ids;
  };
  const ordinals = async (principalId: string) =>
    h.authority.database.db
      .selectFrom("api_keys")
      .select(["id", "ordinal", "status"])
      .where("principal_id", "=", principalId)
      .execute();
  const inside = (runs: number[], ordinal: number) => {
    for (let i = 0; i < runs.length; i += 2)
      if (ordinal >= (runs[i] as number) && ordinal <= (runs[i + 1] as number)) return true;
    return false;
  };

  it("gives every key a unique ordinal, issued or rotated", async () => {
    const principalId = await h.principal({ scopes: ["orders:read"] });
    const [first] = await issue(principalId, 3);
    const rotated = await h.authority.lifecycle.rotate(first as string, {}, h.system);
    const rows = await ordinals(principalId);
    expect(rows).toHaveLength(4);
    expect(rows.map((r) => r.id)).toContain(rotated.replacement.id);
    expect(new Set(rows.map((r) => r.ordinal)).size).toBe(4);
    expect(rows.every((r) => Number.isSafeInteger(r.ordinal) && (r.ordinal as number) > 0)).toBe(true);
  });

  it("records a whole principal as one range, including a key logged earlier but not yet committed", async () => {
    const principalId = await h.principal({ scopes: ["orders:read"] });
    const issued = await issue(principalId, COMPACT_FROM_KEYS);
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
    const writer = runUnitOfWork({ db, clock: h.clock, commitListener: undefined }, async (unit) => {
      const now = unit.now;
      await unit.trx
        .insertInto("api_keys")
        .values(
          keyRowFixture({
            id: "key_slowwriter000000000",
            principal_id: principalId,
            key_hash: "A".repeat(43),
            start: "tsk_slow",
            created_at: now,
          }),
        )
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

    expect(result.revoked).toBe(COMPACT_FROM_KEYS + 1);
    const rows = await ordinals(principalId);
    expect(rows.every((r) => r.status === "revoked")).toBe(true);
    const all = rows.map((r) => r.ordinal as number);
    const change = await lastRevocation();
    expect(change.ids).toHaveLength(COMPACT_FROM_KEYS + 1);
    expect(change.ids).toEqual(expect.arrayContaining([...issued, "key_slowwriter000000000"]));
    expect(change.runs).toEqual({ [principalId]: [Math.min(...all), Math.max(...all)] });
  });

  it("records ranges that spare the principal's keys outside the selection", async () => {
    const principalId = await h.principal({ scopes: ["orders:read"] });
    // Other principals' keys issued in between (gaps in the ordinals): a bitmap would be sparse.
    const before = await issueSpread(principalId, 120, 100);
    h.clock.advance(1000);
    const breach = h.clock.now();
    h.clock.advance(1000);
    const after = await issueSpread(principalId, 30, 100);
    // An earlier key outside the window too: its ordinal lies between the selected ones.
    h.clock.set(breach - 5000);
    const stray = await issue(principalId, 1);
    h.clock.set(breach + 5000);
    const more = await issueSpread(principalId, 30, 100);
    const rest = await h.authority.lifecycle.revokeBySelector(
      { principalId, createdBefore: breach },
      "before the breach",
      h.system,
    );
    expect(rest.revoked).toBe(121);
    const { runs, ordinalBitmap } = await lastRevocation();
    expect(ordinalBitmap).toBeUndefined();
    const ranges = runs?.[principalId] as number[];
    // The keys before the breach, then the stray one after the survivors issued between.
    expect(ranges).toHaveLength(4);
    for (const row of await ordinals(principalId)) {
      const wasRevokedNow = [...before, ...stray].includes(row.id);
      expect(inside(ranges, row.ordinal as number), row.id).toBe(wasRevokedNow);
    }
    expect([...after, ...more]).toHaveLength(60);
  });

  it("records a bitmap of ordinals for a selection scattered among keys issued in a row", async () => {
    const principalId = await h.principal({ scopes: ["orders:read", "orders:write"] });
    const ids = [];
    for (let i = 0; i < 2 * COMPACT_FROM_KEYS + 10; i++) {
      ids.push(...(await issue(principalId, 1, [i % 2 === 0 ? "orders:read" : "orders:write"])));
    }
    // createdAfter makes the selector more than a scope: verifiers cannot apply it as it is.
    const result = await h.authority.lifecycle.revokeBySelector(
      { principalId, scope: "orders:write", createdAfter: 0 },
      "write keys leaked",
      h.system,
    );
    expect(result.revoked).toBe(COMPACT_FROM_KEYS + 5);
    const change = await lastRevocation();
    expect(change.runs).toBeUndefined();
    const bitmap = change.ordinalBitmap as { from: number; bits: string };
    const bytes = Buffer.from(bitmap.bits, "base64");
    const marked = (ordinal: number) => {
      const k = ordinal - bitmap.from;
      return k >= 0 && k < bytes.length * 8 && ((bytes[k >> 3] as number) & (1 << (k & 7))) !== 0;
    };
    for (const row of await ordinals(principalId)) {
      expect(marked(row.ordinal as number), row.id).toBe(ids.indexOf(row.id) % 2 === 1);
    }
  });

  it("records the scope matched for a selector of only a scope (and a principal), however spread the keys", async () => {
    const principalId = await h.principal({ scopes: ["orders:read", "orders:write"] });
    const other = await h.principal({ scopes: ["orders:read", "orders:write"] });
    await issueSpread(principalId, 2 * COMPACT_FROM_KEYS, 100, (i) => [i % 2 === 0 ? "orders:read" : "orders:write"]);
    await issue(other, 3, ["orders:write"]);
    const mine = await h.authority.lifecycle.revokeBySelector(
      { principalId, scope: "orders:write" },
      "write keys leaked",
      h.system,
    );
    expect(mine.revoked).toBe(COMPACT_FROM_KEYS);
    const change = await lastRevocation();
    expect(change.ids).toHaveLength(COMPACT_FROM_KEYS);
    expect(change.scopeMatch).toEqual({ scope: "orders:write", principalId });
    expect(change.runs).toBeUndefined();
    expect(change.ordinalBitmap).toBeUndefined();
    // Across principals: the other principal's keys and this one's read keys.
    await issue(other, COMPACT_FROM_KEYS, ["orders:read"]);
    const everyone = await h.authority.lifecycle.revokeBySelector({ scope: "orders:read" }, "read keys", h.system);
    expect(everyone.revoked).toBe(2 * COMPACT_FROM_KEYS);
    expect((await lastRevocation()).scopeMatch).toEqual({ scope: "orders:read" });
  });

  it("lists the ordinals when no other compact form applies, and only the ids below 100 keys", async () => {
    const principalId = await h.principal({ scopes: ["orders:read", "orders:write"] });
    // Every other key, and other principals' keys issued in between.
    await issueSpread(principalId, 2 * COMPACT_FROM_KEYS, 100, (i) => [i % 2 === 0 ? "orders:read" : "orders:write"]);
    const scattered = await h.authority.lifecycle.revokeBySelector(
      { principalId, scope: "orders:write", createdAfter: 0 },
      "write keys leaked",
      h.system,
    );
    expect(scattered.revoked).toBe(COMPACT_FROM_KEYS);
    const change = await lastRevocation();
    expect(change.ids).toHaveLength(COMPACT_FROM_KEYS);
    expect(change.runs).toBeUndefined();
    expect(change.ordinalBitmap).toBeUndefined();
    expect(change.scopeMatch).toBeUndefined();
    const deltas = change.ordinalDeltas as number[];
    expect(deltas.every((d) => Number.isSafeInteger(d) && d > 0)).toBe(true);
    const listed = deltas.map((_, i) => deltas.slice(0, i + 1).reduce((a, b) => a + b, 0));
    const revokedNow = (await ordinals(principalId)).filter((r) => change.ids.includes(r.id)).map((r) => r.ordinal);
    expect(listed).toEqual([...revokedNow].sort((a, b) => (a as number) - (b as number)));
    // Below the size from which a revocation is described compactly at all: ids only.
    const few = await h.principal({ scopes: ["orders:read"] });
    await issue(few, 10);
    await h.authority.lifecycle.revokeBySelector({ principalId: few }, "small", h.system);
    expect(Object.keys(await lastRevocation()).sort()).toEqual(["cause", "ids", "reason"]);
  });
});

it("ordinalRuns: maximal ranges around the survivors", () => {
  expect(ordinalRuns([5, 1, 2, 3], [])).toEqual([1, 5]);
  expect(ordinalRuns([1, 2, 4, 5, 9], [3, 7])).toEqual([1, 2, 4, 5, 9, 9]);
  expect(ordinalRuns([10, 20], [1, 2, 30])).toEqual([10, 20]);
  expect(ordinalRuns([], [1])).toEqual([]);
  expect(ordinalRuns([4], [4])).toEqual([4, 4]);
  // Random lists against a brute-force check.
  for (let round = 0; round < 50; round++) {
    const all = Array.from({ length: 200 }, (_, i) => i * 2 + (round % 2));
    const revoked = all.filter(() => Math.random() < 0.7);
    const survivors = all.filter((o) => !revoked.includes(o) && Math.random() < 0.5);
    const runs = ordinalRuns(revoked, survivors);
    for (const o of revoked)
      expect(runs.some((_, i) => i % 2 === 0 && o >= (runs[i] as number) && o <= (runs[i + 1] as number))).toBe(true);
    for (const o of survivors)
      expect(runs.some((_, i) => i % 2 === 0 && o >= (runs[i] as number) && o <= (runs[i + 1] as number))).toBe(false);
    for (let i = 2; i < runs.length; i += 2) expect(runs[i] as number).toBeGreaterThan(runs[i - 1] as number);
  }
});

it("ordinalBitmap: bits over the span, least significant first; none when sparse", () => {
  expect(ordinalBitmap([10, 12, 17, 18], 64)).toEqual({
    from: 10,
    bits: Buffer.from([0b10000101, 0b1]).toString("base64"),
  });
  expect(ordinalBitmap([], 64)).toBeNull();
  // 2 keys over 1,000 ordinals: more than 64 per key.
  expect(ordinalBitmap([1, 1000], 64)).toBeNull();
  expect(ordinalBitmap([1, 128], 64)).toEqual({ from: 1, bits: expect.any(String) });
});
