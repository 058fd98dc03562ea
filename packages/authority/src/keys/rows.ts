/**
 * Inserting API key rows: the one way new keys reach the table, so that every inserted row
 * comes back with its ordinal (migration 0009), which the change-log records of new keys carry
 * to verifiers.
 */
import type { Transaction } from "kysely";
import { reserveKeyOrdinals } from "../db/dialect.js";
import type { ApiKeysTable, Schema } from "../db/schema.js";

/** Rows per statement: ~20 parameters each stays far below driver limits. */
const BATCH = 500;

/** Inserts `rows` and sets each one's `ordinal` in place. */
export async function insertKeyRows(trx: Transaction<Schema>, rows: ApiKeysTable[]): Promise<void> {
  for (let start = 0; start < rows.length; start += BATCH) {
    const batch = rows.slice(start, start + BATCH);
    // SQLite: one writer at a time, the batch takes the next ordinals in one statement.
    const first = await reserveKeyOrdinals(trx, batch.length);
    if (first !== null) {
      batch.forEach((row, k) => {
        row.ordinal = first + k;
      });
      await trx.insertInto("api_keys").values(batch).execute();
      continue;
    }
    // PostgreSQL: the column's default draws from the sequence; RETURNING says what each got.
    const assigned = await trx.insertInto("api_keys").values(batch).returning(["id", "ordinal"]).execute();
    const ordinalOf = new Map(assigned.map((a) => [a.id, a.ordinal]));
    for (const row of batch) {
      const ordinal = ordinalOf.get(row.id);
      if (typeof ordinal !== "number") throw new Error(`key ${row.id} was inserted without an ordinal`);
      row.ordinal = ordinal;
    }
  }
}
