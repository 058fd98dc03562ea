/**
 * Large revocations as one pass over the key table's columns: every live key of a principal,
 * holding a scope, or whose ordinal is in the ranges, list or bitmap a `key.revoked` event
 * names. Each scan calls `revoke(record)` for the keys it picks and returns how many; typed
 * arrays and no allocation per key, so 100,000 keys of 600,000 take a few milliseconds.
 * @module
 */
import { inRanges, sortedHas } from "./ordinal-sets.js";

/** The flag of a record that holds a key which verifies. */
export const LIVE = 1;

/** The columns a scan reads (the table's own arrays: a revocation does not reallocate them). */
export interface ScannedColumns {
  /** Records in use are [0, used). */
  used: number;
  flags: Uint8Array;
  principals: Int32Array;
  scopeIndexes: Int32Array;
  ordinals: Float64Array;
}

type Revoke = (record: number) => void;

/** Every live key of `principal`. */
export function revokeWhere(c: ScannedColumns, principal: number, revoke: Revoke): number {
  let count = 0;
  const { flags, principals } = c;
  for (let record = 0; record < c.used; record++) {
    if ((flags[record] as number) & LIVE && principals[record] === principal) {
      revoke(record);
      count++;
    }
  }
  return count;
}

/** Every live key whose scope list is flagged in `scopeLists`, of `principal` only unless it is -1. */
export function revokeWhereScopes(
  c: ScannedColumns,
  principal: number,
  scopeLists: Uint8Array,
  revoke: Revoke,
): number {
  let count = 0;
  const { flags, principals, scopeIndexes } = c;
  for (let record = 0; record < c.used; record++) {
    if (!((flags[record] as number) & LIVE)) continue;
    if (principal !== -1 && principals[record] !== principal) continue;
    if (scopeLists[scopeIndexes[record] as number] !== 1) continue;
    revoke(record);
    count++;
  }
  return count;
}

/** Every live key whose principal has ranges in `rangesOf` and whose ordinal falls in one of them. */
export function revokeRanges(
  c: ScannedColumns,
  rangesOf: ReadonlyArray<Float64Array | undefined>,
  revoke: Revoke,
): number {
  let count = 0;
  const { flags, principals, ordinals } = c;
  for (let record = 0; record < c.used; record++) {
    if (!((flags[record] as number) & LIVE)) continue;
    const ranges = rangesOf[principals[record] as number];
    if (ranges === undefined || !inRanges(ranges, ordinals[record] as number)) continue;
    revoke(record);
    count++;
  }
  return count;
}

/**
 * A bitmap over [lowest, highest] is used when it costs at most this many bits per listed
 * ordinal (and stays under MAX_BITMAP_BITS): building it is one pass over the list, and a key's
 * test is one array read instead of a binary search.
 */
const BITMAP_BITS_PER_ORDINAL = 256;
const MAX_BITMAP_BITS = 2 ** 27;

/**
 * Every live key whose ordinal is in `sorted` (ascending integers). When the list is dense
 * enough over its span, it becomes a bitmap and each key costs one array read (100,000
 * ordinals spread 200 apart among 610,000 keys: a few milliseconds); otherwise a range check,
 * then a binary search for the keys inside the range (about 15 ms for the same 100,000).
 */
export function revokeSortedOrdinals(c: ScannedColumns, sorted: Float64Array, revoke: Revoke): number {
  if (sorted.length === 0) return 0;
  const lowest = sorted[0] as number;
  const highest = sorted[sorted.length - 1] as number;
  const span = highest - lowest + 1;
  if (span <= MAX_BITMAP_BITS && span <= sorted.length * BITMAP_BITS_PER_ORDINAL) {
    const bits = new Uint8Array(Math.ceil(span / 8));
    for (let i = 0; i < sorted.length; i++) {
      const k = (sorted[i] as number) - lowest;
      bits[k >>> 3] = (bits[k >>> 3] as number) | (1 << (k & 7));
    }
    return revokeOrdinalBits(c, lowest, bits, revoke);
  }
  let count = 0;
  const { flags, ordinals } = c;
  for (let record = 0; record < c.used; record++) {
    if (!((flags[record] as number) & LIVE)) continue;
    const ordinal = ordinals[record] as number;
    if (ordinal < lowest || ordinal > highest || !sortedHas(sorted, ordinal)) continue;
    revoke(record);
    count++;
  }
  return count;
}

/** Every live key whose ordinal `o` has bit `o - from` set in `bits` (least significant bit first). */
export function revokeOrdinalBits(c: ScannedColumns, from: number, bits: Uint8Array, revoke: Revoke): number {
  let count = 0;
  const { flags, ordinals } = c;
  const span = bits.length * 8;
  for (let record = 0; record < c.used; record++) {
    if (!((flags[record] as number) & LIVE)) continue;
    const k = (ordinals[record] as number) - from;
    if (!(k >= 0 && k < span) || ((bits[k >>> 3] as number) & (1 << (k & 7))) === 0) continue;
    revoke(record);
    count++;
  }
  return count;
}
