/**
 * OAuth 2.0: signing keys (private parts encrypted under the master key), grant families,
 * refresh tokens (hashes only), revoked access-token ids, per-principal cutoffs and the DPoP
 * proof replay cache (a unique jti, so that it holds across instances on PostgreSQL).
 */
import type { Kysely, Migration } from "kysely";

export const oauthMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("oauth_signing_keys")
      .addColumn("kid", "text", (c) => c.primaryKey())
      .addColumn("alg", "text", (c) => c.notNull())
      .addColumn("public_jwk", "text", (c) => c.notNull())
      .addColumn("private_key_enc", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("not_before", "bigint", (c) => c.notNull())
      .addColumn("retire_at", "bigint")
      .addColumn("retired_at", "bigint")
      .addColumn("emergency", "integer", (c) => c.notNull().defaultTo(0))
      .execute();

    await db.schema
      .createTable("oauth_grant_families")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("client_id", "text", (c) => c.notNull().references("principals.id"))
      .addColumn("grant_type", "text", (c) => c.notNull())
      .addColumn("scope", "text", (c) => c.notNull())
      .addColumn("audience", "text")
      .addColumn("jkt", "text")
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("expires_at", "bigint", (c) => c.notNull())
      .addColumn("max_access_exp", "bigint", (c) => c.notNull())
      .addColumn("revoked_at", "bigint")
      .addColumn("revoked_reason", "text")
      .execute();
    await db.schema
      .createIndex("oauth_grant_families_client")
      .on("oauth_grant_families")
      .columns(["client_id", "revoked_at"])
      .execute();

    await db.schema
      .createTable("oauth_refresh_tokens")
      .addColumn("token_hash", "text", (c) => c.primaryKey())
      .addColumn("family_id", "text", (c) => c.notNull().references("oauth_grant_families.id"))
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("expires_at", "bigint", (c) => c.notNull())
      .addColumn("used_at", "bigint")
      .execute();
    await db.schema.createIndex("oauth_refresh_tokens_family").on("oauth_refresh_tokens").column("family_id").execute();

    await db.schema
      .createTable("oauth_revoked_access_tokens")
      .addColumn("jti", "text", (c) => c.primaryKey())
      .addColumn("exp", "bigint", (c) => c.notNull())
      .addColumn("principal_id", "text", (c) => c.notNull())
      .addColumn("family_id", "text")
      .addColumn("revoked_at", "bigint", (c) => c.notNull())
      .execute();

    await db.schema
      .createTable("oauth_principal_cutoffs")
      .addColumn("principal_id", "text", (c) => c.primaryKey())
      .addColumn("cutoff_s", "bigint", (c) => c.notNull())
      .addColumn("expires_at", "bigint", (c) => c.notNull())
      .execute();

    await db.schema
      .createTable("oauth_dpop_proofs")
      .addColumn("key", "text", (c) => c.primaryKey())
      .addColumn("expires_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("oauth_dpop_proofs_expires").on("oauth_dpop_proofs").column("expires_at").execute();
  },
};
