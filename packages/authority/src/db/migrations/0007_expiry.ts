/** Expiry warnings and notices sent once per key, and the leases of scheduled jobs. */
import type { Kysely, Migration } from "kysely";

export const expiryMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable("api_keys").addColumn("expiry_warned_at", "bigint").execute();
    await db.schema.alterTable("api_keys").addColumn("expiry_noticed_at", "bigint").execute();
    await db.schema
      .createTable("job_runs")
      .addColumn("name", "text", (c) => c.primaryKey())
      .addColumn("holder", "text")
      .addColumn("lease_until", "bigint", (c) => c.notNull())
      .addColumn("last_started_at", "bigint")
      .addColumn("last_finished_at", "bigint")
      .addColumn("last_result", "text")
      .execute();
  },
};
