/**
 * Verifiers and revocation receipts (issue #4).
 *
 * - `verifiers`: one row per connected verifier process (its own instance id), with the
 *   change-log sequence it has applied. Acks land in whichever authority instance the
 *   verifier talks to; the row is the shared record, so a receipt written by instance A
 *   counts a verifier acking to instance B.
 * - `receipts`: what a revocation reached, persisted so it can be fetched later by id.
 * - On PostgreSQL, statement triggers NOTIFY `tessera_changes` (change_log inserts) and
 *   `tessera_verifiers` (ack flushes). NOTIFY is delivered on commit, so every writer (any
 *   instance, any service) wakes every feed without application code having to remember it.
 */
import { type Kysely, type Migration, PostgresAdapter, sql } from "kysely";

export const verifiersMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("verifiers")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("authority_instance", "text", (c) => c.notNull())
      .addColumn("staleness_ms", "bigint", (c) => c.notNull())
      .addColumn("applied_seq", "bigint", (c) => c.notNull())
      .addColumn("applied_at", "bigint")
      .addColumn("connected", "integer", (c) => c.notNull())
      .addColumn("connected_at", "bigint", (c) => c.notNull())
      .addColumn("last_seen_at", "bigint", (c) => c.notNull())
      .addColumn("disconnected_at", "bigint")
      .execute();
    await db.schema.createIndex("verifiers_seen").on("verifiers").columns(["connected", "last_seen_at"]).execute();

    await db.schema
      .createTable("receipts")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("sequence", "bigint", (c) => c.notNull())
      .addColumn("revoked_at", "bigint", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("created_by", "text", (c) => c.notNull())
      .addColumn("targets", "text", (c) => c.notNull())
      .addColumn("confirmations", "text", (c) => c.notNull())
      .addColumn("completed_at", "bigint")
      .addColumn("updated_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("receipts_sequence").on("receipts").column("sequence").execute();

    if (db.getExecutor().adapter instanceof PostgresAdapter) {
      await sql`
        create function tessera_notify_changes() returns trigger language plpgsql as $$
        begin perform pg_notify('tessera_changes', ''); return null; end $$`.execute(db);
      await sql`
        create trigger change_log_notify after insert on change_log
        for each statement execute function tessera_notify_changes()`.execute(db);
      await sql`
        create function tessera_notify_verifiers() returns trigger language plpgsql as $$
        begin perform pg_notify('tessera_verifiers', ''); return null; end $$`.execute(db);
      await sql`
        create trigger verifiers_notify after insert or update on verifiers
        for each statement execute function tessera_notify_verifiers()`.execute(db);
    }
  },
};
