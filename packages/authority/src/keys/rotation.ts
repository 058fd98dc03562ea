/**
 * The rotation semantics, for one key or thousands: the old key becomes deprecated until the
 * end of its grace window (its expiry shortened to it, the original kept for a rollback) and
 * points at its replacement; a rollback restores it. Used by single rotation and rollback
 * (rotate.ts) and by emergency rotation campaigns, so both write the same rows.
 */
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from "kysely";
import { chunks } from "../db/batches.js";
import type { ApiKeysTable, Schema } from "../db/schema.js";
import type { ChangeEntry, UnitOfWork } from "../db/transaction.js";
import { toReplicaRecord } from "../domain/keys.js";

/** Pairs per UPDATE: two parameters each in the CASE, one in the IN list. */
const BATCH = 400;

export interface RotationPair {
  oldId: string;
  newId: string;
}

/**
 * Deprecates each still-active old key of `pairs` until `graceUntil`, pointing it at its
 * replacement. Returns the deprecated rows as stored now (for replica records).
 */
export async function deprecateForRotation(
  unit: UnitOfWork,
  pairs: readonly RotationPair[],
  graceUntil: number,
): Promise<ApiKeysTable[]> {
  const rows: ApiKeysTable[] = [];
  for (const batch of chunks(pairs, BATCH)) {
    const replacedBy = sql<string>`case ${sql.ref("id")} ${sql.join(
      batch.map((p) => sql`when ${p.oldId} then ${p.newId}`),
      sql` `,
    )} end`;
    const updated = await unit.trx
      .updateTable("api_keys")
      .set((eb) => ({
        status: "deprecated",
        replaced_by: replacedBy,
        grace_until: graceUntil,
        expires_at_before_rotation: eb.ref("expires_at"),
        // SET reads the row as it was, on SQLite as on PostgreSQL: the shorter of the two.
        expires_at: eb
          .case()
          .when(eb.or([eb("expires_at", "is", null), eb("expires_at", ">", graceUntil)]))
          .then(graceUntil)
          .else(eb.ref("expires_at"))
          .end(),
      }))
      .where(
        "id",
        "in",
        batch.map((p) => p.oldId),
      )
      .where("status", "=", "active")
      .returningAll()
      .execute();
    rows.push(...updated);
  }
  return rows;
}

/** Filter: deprecated keys whose rotation can still be undone. */
export function restorable(eb: ExpressionBuilder<Schema, "api_keys">): Expression<SqlBool> {
  return eb.and([eb("status", "=", "deprecated"), eb("replaced_by", "is not", null)]);
}

/**
 * Makes each named deprecated key active again with its expiry from before the rotation.
 * Returns the restored rows. The replacements are the caller's to revoke.
 */
export async function restoreRotated(unit: UnitOfWork, oldIds: readonly string[]): Promise<ApiKeysTable[]> {
  const rows: ApiKeysTable[] = [];
  for (const batch of chunks(oldIds, BATCH * 2)) {
    const restored = await unit.trx
      .updateTable("api_keys")
      .set((eb) => ({
        status: "active",
        expires_at: eb.ref("expires_at_before_rotation"),
        expires_at_before_rotation: null,
        grace_until: null,
        replaced_by: null,
      }))
      .where("id", "in", batch)
      .where(restorable)
      .returningAll()
      .execute();
    rows.push(...restored);
  }
  return rows;
}

/** `key.rotated` entries, one per pair: what verifiers apply to their replicas. */
export function rotatedEvents(
  previous: readonly ApiKeysTable[],
  replacements: ReadonlyMap<string, ApiKeysTable>,
  graceUntil: number,
): ChangeEntry[] {
  return previous.map((old) => {
    const replacement = replacements.get(old.replaced_by as string);
    if (!replacement) throw new Error(`rotation of ${old.id} has no replacement row`);
    return {
      type: "key.rotated",
      data: { previous: toReplicaRecord(old), replacement: toReplicaRecord(replacement), graceUntil },
    };
  });
}

/** `key.rotation_rolled_back` entries, one per restored key. */
export function rolledBackEvents(
  restored: readonly ApiKeysTable[],
  replacementOf: ReadonlyMap<string, string>,
): ChangeEntry[] {
  return restored.map((row) => ({
    type: "key.rotation_rolled_back",
    data: { restored: toReplicaRecord(row), revokedIds: [replacementOf.get(row.id) as string] },
  }));
}
