/**
 * Versioned migrations, applied in name order at start-up by Kysely's Migrator (which takes a
 * lock, so several authority instances starting at once apply each exactly once).
 * Never edit a migration that has shipped: add a new file and list it here.
 */
import type { Migration, MigrationProvider } from "kysely";
import { coreMigration } from "./0001_core.js";
import { verifiersMigration } from "./0002_verifiers.js";
import { oauthMigration } from "./0003_oauth.js";
import { webhooksMigration } from "./0005_webhooks.js";
import { campaignsMigration } from "./0006_campaigns.js";
import { stepUpMigration } from "./0004_stepup.js";

const migrations: Record<string, Migration> = {
  "0001_core": coreMigration,
  "0002_verifiers": verifiersMigration,
  "0003_oauth": oauthMigration,
  "0005_webhooks": webhooksMigration,
  "0006_campaigns": campaignsMigration,
  "0004_stepup": stepUpMigration,
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
