/** Principals, API keys, the audit chain, the change log and the sequence counters. */
import { type Kysely, type Migration, sql } from "kysely";
import { GENESIS_HASH } from "./genesis.js";

export const coreMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("principals")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("owner", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("allowed_scopes", "text", (c) => c.notNull())
      .addColumn("metadata", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("updated_at", "bigint", (c) => c.notNull())
      .addColumn("created_by", "text", (c) => c.notNull())
      .addColumn("disabled_at", "bigint")
      .addColumn("disabled_reason", "text")
      .execute();
    await db.schema.createIndex("principals_name").on("principals").column("name").unique().execute();
    await db.schema.createIndex("principals_owner").on("principals").column("owner").execute();

    await db.schema
      .createTable("api_keys")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("principal_id", "text", (c) => c.notNull().references("principals.id"))
      .addColumn("key_hash", "text", (c) => c.notNull().unique())
      .addColumn("start", "text", (c) => c.notNull())
      .addColumn("scopes", "text", (c) => c.notNull())
      .addColumn("audience", "text")
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("metadata", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("created_by", "text", (c) => c.notNull())
      .addColumn("expires_at", "bigint")
      .addColumn("revoked_at", "bigint")
      .addColumn("revoked_by", "text")
      .addColumn("revoked_reason", "text")
      .addColumn("replaced_by", "text")
      .addColumn("replaces", "text")
      .addColumn("grace_until", "bigint")
      .addColumn("expires_at_before_rotation", "bigint")
      .addColumn("last_used_at", "bigint")
      .execute();
    await db.schema.createIndex("api_keys_principal").on("api_keys").columns(["principal_id", "status"]).execute();
    await db.schema.createIndex("api_keys_created").on("api_keys").columns(["created_at", "id"]).execute();
    await db.schema.createIndex("api_keys_expires").on("api_keys").column("expires_at").execute();

    await db.schema
      .createTable("audit_log")
      .addColumn("seq", "bigint", (c) => c.primaryKey())
      .addColumn("at", "bigint", (c) => c.notNull())
      .addColumn("actor", "text", (c) => c.notNull())
      .addColumn("action", "text", (c) => c.notNull())
      .addColumn("target_type", "text")
      .addColumn("target_id", "text")
      .addColumn("reason", "text")
      .addColumn("request_id", "text")
      .addColumn("data", "text", (c) => c.notNull())
      .addColumn("prev_hash", "text", (c) => c.notNull())
      .addColumn("hash", "text", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("audit_log_target").on("audit_log").columns(["target_id", "seq"]).execute();
    await db.schema.createIndex("audit_log_action").on("audit_log").columns(["action", "seq"]).execute();

    await db.schema
      .createTable("change_log")
      .addColumn("seq", "bigint", (c) => c.primaryKey())
      .addColumn("at", "bigint", (c) => c.notNull())
      .addColumn("type", "text", (c) => c.notNull())
      .addColumn("data", "text", (c) => c.notNull())
      .execute();

    await db.schema
      .createTable("sequences")
      .addColumn("name", "text", (c) => c.primaryKey())
      .addColumn("value", "bigint", (c) => c.notNull())
      .addColumn("last_hash", "text")
      .execute();
    await sql`insert into sequences (name, value, last_hash) values ('change', 0, null), ('audit', 0, ${GENESIS_HASH})`.execute(
      db,
    );
  },
};
