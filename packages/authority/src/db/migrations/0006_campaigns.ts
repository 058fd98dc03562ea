/**
 * Emergency rotation campaigns: the campaign, its credentials (old key, replacement, owner),
 * and per-owner export files. An export holds only a JWE encrypted to the owner's public key:
 * the authority cannot decrypt it, and it is emptied once handed out.
 */
import type { Kysely, Migration } from "kysely";

export const campaignsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("campaigns")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("selector", "text", (c) => c.notNull())
      .addColumn("scopes", "text")
      .addColumn("grace_ms", "bigint", (c) => c.notNull())
      .addColumn("expires_in_ms", "bigint")
      .addColumn("recipients", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("created_by", "text", (c) => c.notNull())
      .addColumn("executed_at", "bigint")
      .addColumn("executed_by", "text")
      .addColumn("grace_until", "bigint")
      .addColumn("key_count", "bigint", (c) => c.notNull().defaultTo(0))
      .addColumn("finished_at", "bigint")
      .addColumn("finished_by", "text")
      .addColumn("forced", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex("campaigns_created").on("campaigns").columns(["created_at", "id"]).execute();

    await db.schema
      .createTable("campaign_keys")
      .addColumn("campaign_id", "text", (c) => c.notNull().references("campaigns.id"))
      .addColumn("old_key_id", "text", (c) => c.notNull().references("api_keys.id"))
      .addColumn("new_key_id", "text", (c) => c.notNull().references("api_keys.id"))
      .addColumn("principal_id", "text", (c) => c.notNull())
      .addColumn("owner", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("campaign_keys_pk", ["campaign_id", "old_key_id"])
      .execute();
    await db.schema.createIndex("campaign_keys_new").on("campaign_keys").column("new_key_id").execute();
    await db.schema.createIndex("campaign_keys_old").on("campaign_keys").column("old_key_id").execute();

    await db.schema
      .createTable("campaign_exports")
      .addColumn("campaign_id", "text", (c) => c.notNull().references("campaigns.id"))
      .addColumn("owner", "text", (c) => c.notNull())
      /** JSON public JWK the owner supplied (never a private key). */
      .addColumn("recipient_jwk", "text", (c) => c.notNull())
      /** Compact JWE (ECDH-ES+A256KW, A256GCM) of the owner's new secrets; null once consumed. */
      .addColumn("jwe", "text")
      .addColumn("key_count", "bigint", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("consumed_at", "bigint")
      .addColumn("consumed_by", "text")
      .addPrimaryKeyConstraint("campaign_exports_pk", ["campaign_id", "owner"])
      .execute();
  },
};
