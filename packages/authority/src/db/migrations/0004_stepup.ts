/**
 * Step-up authentication: one TOTP enrolment per principal (the secret encrypted under the
 * master key, the last accepted time step for replay protection), its recovery codes (SHA-256
 * hashes only, single use) and recent failed attempts (the rate limit's sliding window).
 */
import type { Kysely, Migration } from "kysely";

export const stepUpMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("totp_enrolments")
      .addColumn("principal_id", "text", (c) => c.primaryKey().references("principals.id"))
      .addColumn("secret_enc", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("activated_at", "bigint")
      .addColumn("last_step", "bigint")
      .addColumn("last_used_at", "bigint")
      .execute();

    await db.schema
      .createTable("totp_recovery_codes")
      .addColumn("principal_id", "text", (c) => c.notNull().references("principals.id"))
      .addColumn("code_hash", "text", (c) => c.notNull())
      .addColumn("used_at", "bigint")
      .addPrimaryKeyConstraint("totp_recovery_codes_pk", ["principal_id", "code_hash"])
      .execute();

    await db.schema
      .createTable("stepup_failures")
      .addColumn("principal_id", "text", (c) => c.notNull())
      .addColumn("at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("stepup_failures_principal_at")
      .on("stepup_failures")
      .columns(["principal_id", "at"])
      .execute();
  },
};
