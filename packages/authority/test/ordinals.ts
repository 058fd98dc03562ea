/**
 * Test helper: moves the key-ordinal counter on, as if `n` keys of other principals had been
 * issued meanwhile, so that a test can make a principal's ordinals sparse without issuing them.
 */
import { type Kysely, sql } from "kysely";
import type { Schema } from "../src/db/schema.js";
import type { StoreKind } from "./stores.js";

export async function skipKeyOrdinals(db: Kysely<Schema>, kind: StoreKind, n: number): Promise<void> {
  if (kind === "sqlite") {
    await db
      .updateTable("sequences")
      .set((eb) => ({ value: eb("value", "+", n) }))
      .where("name", "=", "key_ordinal")
      .execute();
  } else {
    await sql`select setval('api_key_ordinals', nextval('api_key_ordinals') + ${n})`.execute(db);
  }
}
