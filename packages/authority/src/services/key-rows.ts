/**
 * Inserting API key rows: the one way new keys reach the table, so that every inserted row
 * comes back with the ordinal the database gave it (migration 0009), which the change-log
 * records of new keys carry to verifiers.
 */
import type { Transaction } from "kysely";
import type { ApiKeysTable, Schema } from "../db/schema.js";

/** Rows per statement: ~20 parameters each stays far below driver limits. */
const BATCH = 500;

/** Inserts `rows` and sets each one's `ordinal` in place. */
export async function insertKeyRows(trx: Transaction<Schema>, rows: ApiKeysTable[]): Promise<void> {
  for (let start = 0; start < rows.length; start += BATCH) {
    const batch = rows.slice(start, start + BATCH);
    await trx.insertInto("api_keys").values(batch).execute();
    // Read back rather than RETURNING: on SQLite a trigger assigns the ordinal after the insert,
    // which RETURNING does not see.
    const assigned = await trx
      .selectFrom("api_keys")
      .select(["id", "ordinal"])
      .where(
        "id",
        "in",
        batch.map((row) => row.id),
      )
      .execute();
    const ordinalOf = new Map(assigned.map((a) => [a.id, a.ordinal]));
    for (const row of batch) {
      const ordinal = ordinalOf.get(row.id);
      if (typeof ordinal !== "number") throw new Error(`key ${row.id} was inserted without an ordinal`);
      row.ordinal = ordinal;
    }
  }
}
