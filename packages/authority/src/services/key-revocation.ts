/**
 * The one place keys become revoked, used by single revocation, revocation by selector,
 * principal disabling and leak reports, so that every path writes the same rows and the same
 * change-log event.
 */
import { type Expression, type ExpressionBuilder, type SqlBool, SqliteAdapter } from "kysely";
import type { Schema } from "../db/schema.js";
import type { UnitOfWork } from "../db/transaction.js";

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
 * `wholePrincipals`: say so when `filter` takes every key of the principals it matches (a
 * selector naming only a principal or only an owner; disabling a principal). The event then
 * records those principals (the principals of the revoked rows), and the feed sends verifiers
 * them instead of the ids: a verifier holds each key's principal and revokes every key of them
 * that it has, the same keys, so revoking 100,000 keys costs each connection a hundred bytes,
 * not 2.7 MB to send and parse.
 *
 * That needs the UPDATE to see every key issued before this change in the log: on PostgreSQL
 * the change sequence is locked first (writers hold it until they commit), so a key issued
 * concurrently is either seen and revoked here, or logged after this change (and not revoked
 * by it anywhere). SQLite transactions take the write lock at their start already.
 */
export async function revokeKeysMatching(
  unit: UnitOfWork,
  filter: KeyFilter,
  revocation: { actor: string; reason: string; cause: string; wholePrincipals?: boolean },
): Promise<RevokedKeys> {
  if (revocation.wholePrincipals && !(unit.trx.getExecutor().adapter instanceof SqliteAdapter)) {
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
    .returning(["id", "principal_id"])
    .execute();
  const ids = rows.map((r) => r.id);
  if (ids.length === 0) return { ids, sequence: null };
  const sequence = await unit.appendChange({
    type: "key.revoked",
    data: {
      ids,
      reason: revocation.reason,
      cause: revocation.cause,
      ...(revocation.wholePrincipals ? { principalIds: [...new Set(rows.map((r) => r.principal_id))] } : {}),
    },
  });
  return { ids, sequence };
}
