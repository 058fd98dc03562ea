/**
 * The one place keys become revoked, used by single revocation, revocation by selector,
 * principal disabling and leak reports, so that every path writes the same rows and the same
 * change-log event.
 */
import type { Expression, ExpressionBuilder, SqlBool } from "kysely";
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
 * `principalIds`: say so when `filter` is exactly "every key of these principals" (a selector
 * naming only a principal or only an owner; disabling a principal). The event then records
 * them, and the feed sends verifiers those instead of the ids (a verifier holds each key's
 * principal, so it revokes exactly the same keys): revoking 100,000 keys costs each connection
 * a hundred bytes, not 2.7 MB to send and parse.
 */
export async function revokeKeysMatching(
  unit: UnitOfWork,
  filter: KeyFilter,
  revocation: { actor: string; reason: string; cause: string; principalIds?: string[] },
): Promise<RevokedKeys> {
  const rows = await unit.trx
    .updateTable("api_keys")
    .set({
      status: "revoked",
      revoked_at: unit.now,
      revoked_by: revocation.actor,
      revoked_reason: revocation.reason,
    })
    .where((eb) => eb.and([eb("status", "!=", "revoked"), filter(eb)]))
    .returning("id")
    .execute();
  const ids = rows.map((r) => r.id);
  if (ids.length === 0) return { ids, sequence: null };
  const sequence = await unit.appendChange({
    type: "key.revoked",
    data: {
      ids,
      reason: revocation.reason,
      cause: revocation.cause,
      ...(revocation.principalIds !== undefined ? { principalIds: revocation.principalIds } : {}),
    },
  });
  return { ids, sequence };
}
