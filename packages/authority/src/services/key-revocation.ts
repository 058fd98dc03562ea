/**
 * The one place keys become revoked, used by single revocation, revocation by selector,
 * principal disabling and leak reports, so that every path writes the same rows and the same
 * change-log event.
 */
import { type Expression, type ExpressionBuilder, type SqlBool, SqliteAdapter } from "kysely";
import type { Schema } from "../db/schema.js";
import type { UnitOfWork } from "../db/transaction.js";
import { ordinalRuns } from "../domain/ordinal-runs.js";

export interface RevokedKeys {
  ids: string[];
  /** Change-log sequence of the revocation; null when nothing was left to revoke. */
  sequence: number | null;
}

export type KeyFilter = (eb: ExpressionBuilder<Schema, "api_keys">) => Expression<SqlBool>;

/** From this many keys on, a revocation is also described as ranges of ordinals (see below). */
export const RUNS_FROM_KEYS = 100;
/** Surviving keys read per revoked key at most: beyond that the ranges would be fragmented anyway. */
const MAX_SURVIVORS_PER_KEY = 4;
/** Ranges replace the ids only when a range holds at least this many revoked keys on average. */
const MIN_KEYS_PER_RUN = 4;
/** Principals per survivors query. */
const PRINCIPAL_BATCH = 500;

/**
 * Revokes every not-yet-revoked key matching `filter` and appends one `key.revoked` event
 * listing them. Keys already revoked keep their original revocation record.
 *
 * A large revocation (from RUNS_FROM_KEYS keys) also records `runs`: per principal, ranges of
 * key ordinals that hold every key revoked here and no key of that principal left unrevoked.
 * The feed sends verifiers the ranges instead of the ids (100,000 ids are 2.7 MB for every
 * connection to send and every verifier to parse and look up one by one; the ranges of one
 * principal's keys are a few numbers and one pass over the verifier's table). Ranges are kept
 * only when they are compact; otherwise the ids go out as before.
 *
 * `wholePrincipals`: the filter takes every key of the principals it matches (a selector naming
 * only a principal or only an owner; disabling a principal), so no key of theirs survives and
 * each principal's range is simply its lowest to its highest revoked ordinal.
 *
 * The ranges must agree with the replica a verifier holds just before this change: every key
 * logged before it. On PostgreSQL the change sequence is therefore locked first (writers hold
 * it until they commit), so a key issued concurrently is either committed already (seen by the
 * UPDATE, or by the survivors query) or logged after this change (and untouched by it in the
 * database and in verifiers alike). SQLite transactions take the write lock at their start.
 */
export async function revokeKeysMatching(
  unit: UnitOfWork,
  filter: KeyFilter,
  revocation: { actor: string; reason: string; cause: string; wholePrincipals?: boolean },
): Promise<RevokedKeys> {
  if (!(unit.trx.getExecutor().adapter instanceof SqliteAdapter)) {
    await unit.trx.selectFrom("sequences").select("value").where("name", "=", "change").forUpdate().execute();
  }
  const rows = await unit.trx
    .updateTable("api_keys")
    .set({
      status: "revoked",
      revoked_at: unit.now,
      revoked_by: revocation.actor,
      revoked_reason: revocation.reason,
    })
    .where((eb) => eb.and([eb("status", "!=", "revoked"), filter(eb)]))
    .returning(["id", "principal_id", "ordinal"])
    .execute();
  const ids = rows.map((r) => r.id);
  if (ids.length === 0) return { ids, sequence: null };
  const runs =
    rows.length >= RUNS_FROM_KEYS ? await revocationRuns(unit, rows, revocation.wholePrincipals === true) : null;
  const sequence = await unit.appendChange({
    type: "key.revoked",
    data: { ids, reason: revocation.reason, cause: revocation.cause, ...(runs ? { runs } : {}) },
  });
  return { ids, sequence };
}

/** Per principal, the ranges of ordinals of this revocation; null when they would not be compact. */
async function revocationRuns(
  unit: UnitOfWork,
  rows: ReadonlyArray<{ principal_id: string; ordinal?: number }>,
  wholePrincipals: boolean,
): Promise<Record<string, number[]> | null> {
  const revoked = new Map<string, number[]>();
  for (const row of rows) {
    if (typeof row.ordinal !== "number") return null;
    push(revoked, row.principal_id, row.ordinal);
  }
  const survivors = new Map<string, number[]>();
  if (!wholePrincipals) {
    const cap = rows.length * MAX_SURVIVORS_PER_KEY;
    let read = 0;
    const principals = [...revoked.keys()];
    for (let start = 0; start < principals.length; start += PRINCIPAL_BATCH) {
      const found = await unit.trx
        .selectFrom("api_keys")
        .select(["principal_id", "ordinal"])
        .where("principal_id", "in", principals.slice(start, start + PRINCIPAL_BATCH))
        .where("status", "!=", "revoked")
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
