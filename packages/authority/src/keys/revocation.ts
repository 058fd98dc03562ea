/**
 * The one place keys become revoked, used by single revocation, revocation by selector,
 * principal disabling and leak reports, so that every path writes the same rows and the same
 * change-log event.
 */
import type { Expression, ExpressionBuilder, SqlBool } from "kysely";
import { lockChangeSequence } from "../db/dialect.js";
import type { Schema } from "../db/schema.js";
import type { UnitOfWork } from "../db/transaction.js";
import { compactRevocation, type ScopeMatch } from "./compact-revocation.js";

export interface RevokedKeys {
  ids: string[];
  /** Change-log sequence of the revocation; null when nothing was left to revoke. */
  sequence: number | null;
}

export type KeyFilter = (eb: ExpressionBuilder<Schema, "api_keys">) => Expression<SqlBool>;

/**
 * Revokes every not-yet-revoked key matching `filter` and appends one `key.revoked` event
 * listing them. Keys already revoked keep their original revocation record.
 *
 * A large revocation also records how verifiers can apply it without a lookup per id: ranges
 * of key ordinals per principal, or a bitmap of ordinals (see compact-revocation.ts). The feed
 * sends verifiers that instead of the ids (100,000 ids are 2.7 MB for every connection to send
 * and every verifier to parse and look up one by one); the stored entry keeps the ids for
 * everyone else (webhooks, audit).
 *
 * `wholePrincipals`: the filter takes every key of the principals it matches (a selector naming
 * only a principal or only an owner; disabling a principal), so no key of theirs survives.
 * `scopeMatch`: the filter takes exactly the keys holding that scope (of that principal), a
 * condition verifiers can check on their replicas as they are.
 *
 * The compact forms must agree with the replica a verifier holds just before this change: every
 * key logged before it. On PostgreSQL the change sequence is therefore locked first (writers
 * hold it until they commit), so a key issued concurrently is either committed already (seen by
 * the UPDATE, or by the survivors query) or logged after this change (and untouched by it in
 * the database and in verifiers alike). SQLite transactions take the write lock at their start.
 */
export async function revokeKeysMatching(
  unit: UnitOfWork,
  filter: KeyFilter,
  revocation: { actor: string; reason: string; cause: string; wholePrincipals?: boolean; scopeMatch?: ScopeMatch },
): Promise<RevokedKeys> {
  // The lock that keeps the compact forms exact (above).
  await lockChangeSequence(unit.trx);
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
  const compact = await compactRevocation(unit, rows, {
    wholePrincipals: revocation.wholePrincipals === true,
    scopeMatch: revocation.scopeMatch,
  });
  const sequence = await unit.appendChange({
    type: "key.revoked",
    data: { ids, reason: revocation.reason, cause: revocation.cause, ...compact },
  });
  return { ids, sequence };
}
