/**
 * How verifiers can apply a large revocation without looking up each id: the forms a
 * `key.revoked` entry may carry beside its ids (docs/events.md), cheapest to find first.
 *
 * - `runs`, per principal ascending inclusive ranges of key ordinals holding every key revoked
 *   here and none of that principal's keys left unrevoked. For whole principals the ranges are
 *   one per principal with no query; otherwise the survivors are read (bounded) and the ranges
 *   cut around them. A verifier applies them in one pass over its table, checking each live
 *   key's principal and ordinal. Compact when a principal's keys were issued in stretches.
 * - `scopeMatch`, `{ scope, principalId? }`, when the selector was only that: every key holding
 *   the scope (of the principal). Verifiers hold each key's principal and current scopes, and
 *   their replica is the state just before this change, so the same condition revokes the same
 *   keys there, in one pass, with no query here and a few bytes on the wire, however the keys
 *   are spread among others.
 * - `ordinalBitmap`, the revoked ordinals as bits over their span (domain/ordinal-bitmap.ts):
 *   no query, exact whatever the principals, compact when the revoked keys are dense among
 *   all keys' ordinals (a selection scattered inside a principal whose keys came in a row).
 * - `ordinalDeltas`, when none of these is compact: every revoked ordinal, the lowest and then
 *   each one's difference from the one before (a few bytes a key instead of about 27 for its
 *   id; a verifier checks each key it holds against the sorted list in one pass, about 15 ms
 *   for 100,000 ordinals and 600,000 keys, where finding 100,000 keys by id took 40-50).
 */
import type { CompactRevocationWire, ScopeMatchWire } from "@tessera/verifier/wire";
import type { UnitOfWork } from "../db/transaction.js";
import { ordinalBitmap } from "../domain/ordinal-bitmap.js";
import { ordinalRuns } from "../domain/ordinal-runs.js";

/** From this many keys on, a revocation is also described compactly (smaller ones: the ids are short). */
export const COMPACT_FROM_KEYS = 100;
/** Surviving keys read per revoked key at most: beyond that the ranges would be fragmented anyway. */
const MAX_SURVIVORS_PER_KEY = 4;
/** Ranges replace the ids only when a range holds at least this many revoked keys on average. */
const MIN_KEYS_PER_RUN = 4;
/** Principals per survivors query. */
const PRINCIPAL_BATCH = 500;

/**
 * A bitmap is used when it spans at most this many ordinals per revoked key: 64 bits are 8
 * bytes (11 in base64) per key, against about 27 for an id in the list.
 */
const BITMAP_MAX_SPAN_PER_KEY = 64;

/** Every key holding `scope`, of `principalId` when given (the wire contract's form). */
export type ScopeMatch = ScopeMatchWire;

/** The forms as the wire contract declares them (`@tessera/verifier/wire`). */
export type CompactRevocation = CompactRevocationWire;

/** The compact form of a revocation of `rows` (the keys just revoked), or none below COMPACT_FROM_KEYS. */
export async function compactRevocation(
  unit: UnitOfWork,
  rows: ReadonlyArray<{ principal_id: string; ordinal?: number }>,
  selection: { wholePrincipals: boolean; scopeMatch?: ScopeMatch | undefined },
): Promise<CompactRevocation> {
  const { wholePrincipals, scopeMatch } = selection;
  if (rows.length < COMPACT_FROM_KEYS) return {};
  const ordinals: number[] = [];
  for (const row of rows) {
    if (typeof row.ordinal !== "number") return {};
    ordinals.push(row.ordinal);
  }
  if (wholePrincipals) {
    const runs = await survivorRuns(unit, rows, true);
    if (runs) return { runs };
  }
  if (scopeMatch) return { scopeMatch };
  const bitmap = ordinalBitmap(ordinals, BITMAP_MAX_SPAN_PER_KEY);
  if (bitmap) return { ordinalBitmap: bitmap };
  if (!wholePrincipals) {
    const runs = await survivorRuns(unit, rows, false);
    if (runs) return { runs };
  }
  return { ordinalDeltas: ordinalDeltas(ordinals) };
}

/** The ordinals ascending, as the lowest and then each one's difference from the one before. */
function ordinalDeltas(ordinals: readonly number[]): number[] {
  const sorted = Float64Array.from(ordinals).sort();
  const deltas = new Array<number>(sorted.length);
  for (let i = 0; i < sorted.length; i++) deltas[i] = (sorted[i] as number) - (i === 0 ? 0 : (sorted[i - 1] as number));
  return deltas;
}

/** Per principal, the ranges of ordinals of this revocation; null when they would not be compact. */
async function survivorRuns(
  unit: UnitOfWork,
  rows: ReadonlyArray<{ principal_id: string; ordinal?: number }>,
  wholePrincipals: boolean,
): Promise<Record<string, number[]> | null> {
  const revoked = new Map<string, number[]>();
  let lowest = Number.POSITIVE_INFINITY;
  let highest = Number.NEGATIVE_INFINITY;
  for (const row of rows) {
    if (typeof row.ordinal !== "number") return null;
    push(revoked, row.principal_id, row.ordinal);
    if (row.ordinal < lowest) lowest = row.ordinal;
    if (row.ordinal > highest) highest = row.ordinal;
  }
  const survivors = new Map<string, number[]>();
  if (!wholePrincipals) {
    // Only survivors inside the revoked ordinals' span can split a range (keys issued after a
    // breach window, say, lie beyond it and are not read).
    const cap = rows.length * MAX_SURVIVORS_PER_KEY;
    let read = 0;
    const principals = [...revoked.keys()];
    for (let start = 0; start < principals.length; start += PRINCIPAL_BATCH) {
      const found = await unit.trx
        .selectFrom("api_keys")
        .select(["principal_id", "ordinal"])
        .where("principal_id", "in", principals.slice(start, start + PRINCIPAL_BATCH))
        .where("status", "!=", "revoked")
        .where("ordinal", ">=", lowest)
        .where("ordinal", "<=", highest)
        .limit(cap - read + 1)
        .execute();
      read += found.length;
      if (read > cap) return null;
      for (const row of found) push(survivors, row.principal_id, row.ordinal as number);
    }
  }
  const runs: Record<string, number[]> = {};
  let count = 0;
  for (const [principal, ordinals] of revoked) {
    const ranges = ordinalRuns(ordinals, survivors.get(principal) ?? []);
    runs[principal] = ranges;
    count += ranges.length / 2;
  }
  return count * MIN_KEYS_PER_RUN <= rows.length ? runs : null;
}

function push(lists: Map<string, number[]>, key: string, value: number): void {
  const list = lists.get(key);
  if (list) list.push(value);
  else lists.set(key, [value]);
}
