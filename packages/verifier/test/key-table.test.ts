import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashToken } from "../src/hash.js";
import { decodeHash, type KeyFields, KeyTable } from "../src/key-table.js";

const fields = (over: Partial<KeyFields> = {}): KeyFields => ({
  principal: 0,
  scopes: 0,
  audience: -1,
  expiresAt: 0,
  deprecated: false,
  suspended: false,
  canary: false,
  ordinal: 0,
  ...over,
});
const hashOf = (i: number) => hashToken(`token-${i}`);
/** Puts key `id` as an event would: its id as a source of its own. */
function put(table: KeyTable, id: string, hashText: string, offset: number, f: KeyFields): boolean {
  const source = table.addSource(id);
  const stored = table.put(source, 0, id.length, hashText, offset, f);
  table.releaseSource(source);
  return stored;
}

describe("decodeHash", () => {
  it("decodes base64url SHA-256 into the digest's bytes read as native 32-bit words", () => {
    for (let i = 0; i < 50; i++) {
      const text = hashToken(randomBytes(12).toString("hex"));
      const words = new Int32Array(8);
      expect(decodeHash(text, 0, words)).toBe(true);
      const bytes = new Uint8Array(Buffer.from(text, "base64url"));
      expect([...words]).toEqual([...new Int32Array(bytes.buffer, bytes.byteOffset, 8)]);
    }
  });

  it("refuses anything that is not 43 base64url characters of a digest", () => {
    const words = new Int32Array(8);
    const good = hashOf(1);
    expect(decodeHash(good.slice(0, 42), 0, words)).toBe(false);
    expect(decodeHash(`${good.slice(0, 10)}+${good.slice(11)}`, 0, words)).toBe(false);
    expect(decodeHash(`${good.slice(0, 10)}é${good.slice(11)}`, 0, words)).toBe(false);
    // Non-canonical: the unused low bits of the last character are set.
    const last = good.at(-1) as string;
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const odd = alphabet[alphabet.indexOf(last) | 1] as string;
    expect(decodeHash(`${good.slice(0, 42)}${odd}`, 0, words)).toBe(odd === last);
  });
});

describe("KeyTable", () => {
  it("finds keys by hash and revokes them by id, across growth", () => {
    const table = new KeyTable(1_000_000, 16);
    const n = 5000;
    for (let i = 0; i < n; i++) expect(put(table, `key_${i}`, hashOf(i), 0, fields({ principal: i }))).toBe(true);
    expect(table.size).toBe(n);
    for (let i = 0; i < n; i++) expect(table.principal(table.find(hashOf(i)))).toBe(i);
    expect(table.find(hashOf(n))).toBe(-1);
    expect(table.find("not a hash")).toBe(-1);
    // The verification path: the raw digest as 32 one-byte characters finds the same records.
    for (let i = 0; i < 100; i++) {
      expect(table.findDigest(createHash("sha256").update(`token-${i}`).digest("binary"))).toBe(table.find(hashOf(i)));
    }
    expect(table.findDigest(createHash("sha256").update("token-unknown").digest("binary"))).toBe(-1);
    expect(table.findDigest("short")).toBe(-1);

    for (let i = 0; i < n; i += 2) expect(table.revoke(`key_${i}`)).toBe(true);
    expect(table.revoke("key_0")).toBe(false);
    expect(table.revoke("key_unknown")).toBe(false);
    expect(table.size).toBe(n / 2);
    expect(table.revokedCount).toBe(n / 2);
    for (let i = 0; i < n; i++) {
      const record = table.find(hashOf(i));
      expect(record).toBeGreaterThanOrEqual(0);
      expect(table.isRevoked(record)).toBe(i % 2 === 0);
      expect(table.keyId(record)).toBe(`key_${i}`);
    }
  });

  it("replaces a key by id (new fields, same hash) and drops a key whose hash another id takes", () => {
    const table = new KeyTable();
    put(table, "key_a", hashOf(1), 0, fields({ scopes: 1 }));
    put(table, "key_a", hashOf(1), 0, fields({ scopes: 2, deprecated: true, expiresAt: 42 }));
    const record = table.find(hashOf(1));
    expect([table.scopes(record), table.isDeprecated(record), table.expiresAt(record), table.size]).toEqual([
      2,
      true,
      42,
      1,
    ]);
    // The same id with another hash: the old hash no longer verifies.
    put(table, "key_a", hashOf(2), 0, fields());
    expect(table.find(hashOf(1))).toBe(-1);
    expect(table.keyId(table.find(hashOf(2)))).toBe("key_a");
    // Another id with that hash: the first id is gone.
    put(table, "key_b", hashOf(2), 0, fields());
    expect(table.keyId(table.find(hashOf(2)))).toBe("key_b");
    expect(table.revoke("key_a")).toBe(false);
    expect(table.size).toBe(1);
  });

  it("reads hashes and ids at offsets of a chunk's columns, and lets a source go with its last key", () => {
    const table = new KeyTable();
    const hashes = [hashOf(7), hashOf(8), hashOf(9)].join("");
    const ids = "key_a key_bb key_c";
    const source = table.addSource(ids);
    table.put(source, 0, 5, hashes, 0, fields());
    table.put(source, 6, 6, hashes, 43, fields());
    table.put(source, 13, 5, hashes, 86, fields());
    table.releaseSource(source);
    expect([7, 8, 9].map((i) => table.keyId(table.find(hashOf(i))))).toEqual(["key_a", "key_bb", "key_c"]);
    expect(table.revoke("key_bb")).toBe(true);
    expect(table.revoke("key_b")).toBe(false);
    // The same ids again from another source replace the records (same hashes): no duplicates.
    for (const [k, id] of ["key_a", "key_bb", "key_c"].entries()) put(table, id, hashes, k * 43, fields());
    expect(table.size).toBe(3);
    expect(table.revokedCount).toBe(0);
  });

  it("keeps what its owner caches per record, in chunks, and forgets it on every change to the record", () => {
    const table = new KeyTable(1_000_000, 16);
    const n = 9000; // more than two chunks of 4,096 records
    for (let i = 0; i < n; i++) put(table, `key_${i}`, hashOf(i), 0, fields({ ordinal: i + 1 }));
    const record = (i: number) => table.find(hashOf(i));
    for (const i of [0, 4095, 4096, 8999]) {
      expect(table.cachedValue(record(i))).toBeUndefined();
      table.cache(record(i), { i });
    }
    expect([0, 4095, 4096, 8999].map((i) => table.cachedValue(record(i)))).toEqual([
      { i: 0 },
      { i: 4095 },
      { i: 4096 },
      { i: 8999 },
    ]);
    // Records beside a cached one, in the same chunk and in chunks never written, hold nothing.
    expect(table.cachedValue(record(1))).toBeUndefined();
    expect(table.cachedValue(record(5000))).toBeUndefined();
    // Replaced (narrowed), suspended, revoked, revoked in bulk: each forgets the cached value.
    put(table, "key_0", hashOf(0), 0, fields({ ordinal: 1, scopes: 1 }));
    expect(table.cachedValue(record(0))).toBeUndefined();
    table.setSuspended("key_4095", 0, "key_4095".length, true);
    expect(table.cachedValue(record(4095))).toBeUndefined();
    const revoked = record(4096);
    table.revoke("key_4096");
    expect(table.cachedValue(revoked)).toBeUndefined();
    const last = record(8999);
    expect(table.revokeSortedOrdinals(Float64Array.from([9000]))).toBe(1);
    expect(table.cachedValue(last)).toBeUndefined();
  });

  it("refuses an empty id", () => {
    const table = new KeyTable();
    expect(put(table, "", hashOf(1), 0, fields())).toBe(false);
  });

  it("forgets the oldest revocations beyond maxRevoked, and frees their records", () => {
    const table = new KeyTable(3, 16);
    for (let i = 0; i < 10; i++) put(table, `key_${i}`, hashOf(i), 0, fields());
    for (let i = 0; i < 10; i++) table.revoke(`key_${i}`);
    expect(table.revokedCount).toBe(3);
    expect(table.size).toBe(0);
    for (let i = 0; i < 7; i++) expect(table.find(hashOf(i))).toBe(-1);
    for (let i = 7; i < 10; i++) expect(table.isRevoked(table.find(hashOf(i)))).toBe(true);
    // Freed records are reused; every remaining key is still found.
    for (let i = 10; i < 20; i++) put(table, `key_${i}`, hashOf(i), 0, fields());
    for (let i = 10; i < 20; i++) expect(table.keyId(table.find(hashOf(i)))).toBe(`key_${i}`);
  });

  it("revokes by ranges of ordinals per principal exactly the keys a brute-force check picks", () => {
    let seed = 7;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let round = 0; round < 20; round++) {
      const table = new KeyTable(1_000_000, 16);
      const keys = Array.from({ length: 2000 }, (_, i) => ({
        id: `key_${round}_${i}`,
        principal: Math.floor(random() * 5),
        ordinal: 1000 + i * 3 + Math.floor(random() * 3),
      }));
      keys.forEach((k, i) => {
        put(table, k.id, hashOf(round * 10_000 + i), 0, fields(k));
      });
      // Random ascending ranges for principals 0..3 (4 keeps all its keys).
      const rangesOf: Array<Float64Array | undefined> = [];
      for (let p = 0; p < 4; p++) {
        const flat: number[] = [];
        for (let at = 900 + Math.floor(random() * 300); at < 8000; at += 2 + Math.floor(random() * 600)) {
          const hi = at + Math.floor(random() * 400);
          flat.push(at, hi);
          at = hi;
        }
        rangesOf[p] = Float64Array.from(flat);
      }
      const inside = (k: (typeof keys)[number]) => {
        const r = rangesOf[k.principal];
        if (!r) return false;
        for (let i = 0; i < r.length; i += 2)
          if (k.ordinal >= (r[i] as number) && k.ordinal <= (r[i + 1] as number)) return true;
        return false;
      };
      const expected = keys.filter(inside).length;
      expect(table.revokeRanges(rangesOf)).toBe(expected);
      keys.forEach((k, i) => {
        expect(table.isRevoked(table.find(hashOf(round * 10_000 + i)))).toBe(inside(k));
      });
      expect(table.size).toBe(keys.length - expected);
      // Applying them again changes nothing.
      expect(table.revokeRanges(rangesOf)).toBe(0);
    }
  });

  it("revokes by a bitmap of ordinals exactly the keys whose bits are set", () => {
    let seed = 11;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let round = 0; round < 10; round++) {
      const table = new KeyTable(1_000_000, 16);
      const ordinals = Array.from({ length: 3000 }, (_, i) => 500 + i * 2 + Math.floor(random() * 2));
      ordinals.forEach((ordinal, i) => {
        put(table, `key_${round}_${i}`, hashOf(round * 10_000 + i), 0, fields({ ordinal }));
      });
      // Bits over part of the span only: keys below `from` and past the end stay live.
      const from = 1500 + Math.floor(random() * 100);
      const bits = new Uint8Array(400);
      for (let b = 0; b < bits.length; b++) bits[b] = Math.floor(random() * 256);
      const marked = (o: number) =>
        o >= from && o - from < bits.length * 8 && ((bits[(o - from) >> 3] as number) & (1 << ((o - from) & 7))) !== 0;
      const expected = ordinals.filter(marked).length;
      expect(expected).toBeGreaterThan(100);
      expect(table.revokeOrdinalBits(from, bits)).toBe(expected);
      ordinals.forEach((ordinal, i) => {
        expect(table.isRevoked(table.find(hashOf(round * 10_000 + i)))).toBe(marked(ordinal));
      });
      expect(table.revokeOrdinalBits(from, bits)).toBe(0);
    }
  });

  // Spread far apart the list is searched; dense over its span it becomes a bitmap first.
  it.each([
    ["far apart (binary search)", [1], [2 ** 40]],
    ["dense over its span (bitmap)", [2 ** 33 - 5], [2 ** 33 + 3000 * 7 + 3]],
  ])("revokes by a sorted list of ordinals exactly the listed keys, %s", (_shape, below, above) => {
    const table = new KeyTable(1_000_000, 16);
    const ordinals = Array.from({ length: 3000 }, (_, i) => 2 ** 33 + i * 7);
    ordinals.forEach((ordinal, i) => {
      put(table, `key_${i}`, hashOf(i), 0, fields({ ordinal }));
    });
    const listed = ordinals.filter((_, i) => i % 3 === 0 || i === 2999);
    // Plus ordinals no key has, below, between and above.
    const sorted = Float64Array.from([...below, ...listed.flatMap((o) => [o, o + 1]), ...above]);
    expect(table.revokeSortedOrdinals(sorted)).toBe(listed.length);
    ordinals.forEach((ordinal, i) => {
      expect(table.isRevoked(table.find(hashOf(i)))).toBe(listed.includes(ordinal));
    });
    expect(table.revokeSortedOrdinals(sorted)).toBe(0);
    expect(table.revokeSortedOrdinals(new Float64Array(0))).toBe(0);
  });

  it("keeps both indexes consistent through random puts, revocations and replacements", () => {
    // Small table, many collisions and removals: exercises the backward-shift deletion.
    const table = new KeyTable(50, 16);
    const model = new Map<string, { hash: number; revoked: boolean }>();
    let seed = 7;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let step = 0; step < 20_000; step++) {
      const id = `key_${random(300)}`;
      if (random(3) === 0) {
        table.revoke(id);
        const known = model.get(id);
        if (known) known.revoked = true;
      } else {
        const hash = random(400);
        put(table, id, hashOf(hash), 0, fields());
        for (const [other, entry] of model) if (other !== id && entry.hash === hash) model.delete(other);
        model.set(id, { hash, revoked: false });
      }
    }
    const revokedKept = [...model.values()].filter((e) => e.revoked).length;
    expect(table.size).toBe([...model.values()].filter((e) => !e.revoked).length);
    expect(table.revokedCount).toBeLessThanOrEqual(Math.min(50, revokedKept));
    for (const [id, entry] of model) {
      const record = table.find(hashOf(entry.hash));
      if (!entry.revoked) {
        expect(table.keyId(record)).toBe(id);
        expect(table.isRevoked(record)).toBe(false);
      } else if (record >= 0) {
        expect(table.keyId(record)).toBe(id);
        expect(table.isRevoked(record)).toBe(true);
      }
    }
  });
});
