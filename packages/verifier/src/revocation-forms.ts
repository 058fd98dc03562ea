/**
 * The compact forms of a large `key.revoked` event (wire.ts: runs, ordinalDeltas, scopeMatch,
 * ordinalBitmap), checked and turned into what the key table's one-pass revocations take. Any
 * form that is not exactly as the contract says throws MalformedChangeError: a damaged event
 * re-syncs from a snapshot instead of revoking the wrong keys.
 * @module
 */
import { fail, isString } from "./replica-checks.js";
import type { OrdinalBitmapWire, ScopeMatchWire } from "./wire.js";

/** Standard base64 with padding (RFC 4648 section 4). */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * `{ [principalId]: [lo0, hi0, lo1, hi1, ...] }` (ascending, inclusive, non-overlapping) as
 * ranges indexed by the replica's index of each principal; principals it has never seen are
 * left out (they hold no key here).
 */
export function parseRuns(
  runs: unknown,
  indexOf: (principalId: string) => number | undefined,
): Array<Float64Array | undefined> {
  if (typeof runs !== "object" || runs === null || Array.isArray(runs)) fail("runs must be an object");
  const rangesOf: Array<Float64Array | undefined> = [];
  for (const [principalId, list] of Object.entries(runs)) {
    if (!Array.isArray(list) || list.length === 0 || list.length % 2 !== 0) {
      fail("runs must map principals to [lo, hi, ...] pairs");
    }
    const ranges = Float64Array.from(list as number[]);
    for (let i = 0; i < ranges.length; i++) {
      const value = ranges[i] as number;
      // NaN (not a number in the list) fails here too.
      if (!Number.isSafeInteger(value) || (i > 0 && !(value >= (ranges[i - 1] as number) + (i % 2 === 0 ? 1 : 0)))) {
        fail("runs must be ascending, non-overlapping integer ranges");
      }
    }
    const index = indexOf(principalId);
    if (index !== undefined) rangesOf[index] = ranges;
  }
  return rangesOf;
}

/** The ordinals `deltas` lists (the lowest, then each next one's positive difference), ascending. */
export function parseOrdinalDeltas(deltas: unknown): Float64Array {
  if (!Array.isArray(deltas) || deltas.length === 0) fail("ordinalDeltas must be a non-empty array");
  const ordinals = new Float64Array(deltas.length);
  let ordinal = 0;
  for (let i = 0; i < deltas.length; i++) {
    const delta = deltas[i];
    if (typeof delta !== "number" || !Number.isSafeInteger(delta) || delta < 1) {
      fail("ordinalDeltas must be positive integers");
    }
    ordinal += delta;
    if (!Number.isSafeInteger(ordinal)) fail("ordinalDeltas must add up to integers");
    ordinals[i] = ordinal;
  }
  return ordinals;
}

/** `{ scope, principalId? }` with strings. */
export function parseScopeMatch(match: unknown): ScopeMatchWire {
  if (typeof match !== "object" || match === null) fail("scopeMatch must be an object");
  const { scope, principalId } = match as { scope?: unknown; principalId?: unknown };
  if (!isString(scope) || !(principalId === undefined || isString(principalId))) {
    fail("scopeMatch must be { scope, principalId? } with strings");
  }
  return principalId === undefined ? { scope } : { scope, principalId };
}

/** `{ from, bits }` with its bits decoded. */
export function parseOrdinalBitmap(bitmap: unknown): { from: number; bytes: Buffer } {
  if (typeof bitmap !== "object" || bitmap === null) fail("ordinalBitmap must be an object");
  const { from, bits } = bitmap as Partial<Record<keyof OrdinalBitmapWire, unknown>>;
  if (!Number.isSafeInteger(from)) fail("ordinalBitmap.from must be an integer");
  // Buffer.from skips characters that are not base64: check the alphabet first, so that a
  // damaged event re-syncs instead of revoking the wrong keys.
  if (!isString(bits) || bits.length % 4 !== 0 || !BASE64.test(bits)) fail("ordinalBitmap.bits must be base64");
  return { from: from as number, bytes: Buffer.from(bits, "base64") };
}
