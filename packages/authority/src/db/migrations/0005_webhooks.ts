/**
 * Webhooks: endpoints (signing secrets encrypted under the master key), the delivery outbox
 * with every attempt, and the dispatcher's cursor in the change log. The cursor starts at the
 * current head: an existing database's history is not replayed to endpoints created later.
 */
import { type Kysely, type Migration, sql } from "kysely";

export const webhooksMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("webhook_endpoints")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("url", "text", (c) => c.notNull())
      .addColumn("owner", "text")
      .addColumn("events", "text", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("secret_enc", "text", (c) => c.notNull())
      .addColumn("previous_secret_enc", "text")
      .addColumn("previous_secret_until", "bigint")
      .addColumn("from_seq", "bigint", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("created_by", "text", (c) => c.notNull())
      .addColumn("updated_at", "bigint", (c) => c.notNull())
      .addColumn("disabled_at", "bigint")
      .addColumn("disabled_by", "text")
      .addColumn("disabled_reason", "text")
      .execute();
    await db.schema
      .createIndex("webhook_endpoints_status")
      .on("webhook_endpoints")
      .columns(["status", "owner"])
      .execute();

    await db.schema
      .createTable("webhook_deliveries")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("endpoint_id", "text", (c) => c.notNull().references("webhook_endpoints.id"))
      .addColumn("event_id", "text", (c) => c.notNull())
      .addColumn("event_type", "text", (c) => c.notNull())
      .addColumn("event_at", "bigint", (c) => c.notNull())
      .addColumn("change_seq", "bigint")
      .addColumn("data", "text", (c) => c.notNull())
      .addColumn("secret_enc", "text")
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("next_attempt_at", "bigint")
      .addColumn("lease_id", "text")
      .addColumn("last_attempt_at", "bigint")
      .addColumn("last_status_code", "integer")
      .addColumn("last_error", "text")
      .addColumn("delivered_at", "bigint")
      .addColumn("created_at", "bigint", (c) => c.notNull())
      // One event reaches one endpoint once, whatever happens upstream.
      .addUniqueConstraint("webhook_deliveries_endpoint_event", ["endpoint_id", "event_id"])
      .execute();
    await db.schema
      .createIndex("webhook_deliveries_due")
      .on("webhook_deliveries")
      .columns(["status", "next_attempt_at"])
      .execute();
    await db.schema
      .createIndex("webhook_deliveries_endpoint")
      .on("webhook_deliveries")
      .columns(["endpoint_id", "created_at", "id"])
      .execute();

    await db.schema
      .createTable("webhook_delivery_attempts")
      .addColumn("delivery_id", "text", (c) => c.notNull().references("webhook_deliveries.id"))
      .addColumn("attempt", "integer", (c) => c.notNull())
      .addColumn("at", "bigint", (c) => c.notNull())
      .addColumn("duration_ms", "integer", (c) => c.notNull())
      .addColumn("status_code", "integer")
      .addColumn("error", "text")
      .addPrimaryKeyConstraint("webhook_delivery_attempts_pk", ["delivery_id", "attempt"])
      .execute();

    await db.schema
      .createTable("webhook_cursor")
      .addColumn("name", "text", (c) => c.primaryKey())
      .addColumn("seq", "bigint", (c) => c.notNull())
      .execute();
    await sql`insert into webhook_cursor (name, seq)
      select 'change_log', coalesce((select value from sequences where name = 'change'), 0)`.execute(db);
  },
};
