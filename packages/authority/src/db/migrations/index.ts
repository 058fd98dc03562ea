/**
 * Versioned migrations, applied in name order at start-up by Kysely's Migrator (which takes a
 * lock, so several authority instances starting at once apply each exactly once).
 * Never edit a migration that has shipped: add a new file and list it here.
 */
import type { Migration, MigrationProvider } from "kysely";
import { coreMigration } from "./0001_core.js";
import { verifiersMigration } from "./0002_verifiers.js";
import { oauthMigration } from "./0003_oauth.js";
import { stepUpMigration } from "./0004_stepup.js";
import { webhooksMigration } from "./0005_webhooks.js";
import { campaignsMigration } from "./0006_campaigns.js";
import { expiryMigration } from "./0007_expiry.js";
import { revocationSpeedMigration } from "./0008_revocation_speed.js";
import { keyOrdinalsMigration } from "./0009_key_ordinals.js";
import { revocationHeadroomMigration } from "./0010_revocation_headroom.js";
import { campaignCreatorScopesMigration } from "./0011_campaign_creator_scopes.js";
import { suspensionCanariesMigration } from "./0013_suspension_canaries.js";
import { usageMigration } from "./0014_usage.js";
import { findingsMigration } from "./0015_findings.js";
import { ssfMigration } from "./0016_ssf.js";
import { ssfReceiverMigration } from "./0017_ssf_receiver.js";

const migrations: Record<string, Migration> = {
  "0001_core": coreMigration,
  "0007_expiry": expiryMigration,
  "0008_revocation_speed": revocationSpeedMigration,
  "0009_key_ordinals": keyOrdinalsMigration,
  "0010_revocation_headroom": revocationHeadroomMigration,
  "0011_campaign_creator_scopes": campaignCreatorScopesMigration,
  "0013_suspension_canaries": suspensionCanariesMigration,
  "0014_usage": usageMigration,
  "0015_findings": findingsMigration,
  "0016_ssf": ssfMigration,
  "0017_ssf_receiver": ssfReceiverMigration,
  "0002_verifiers": verifiersMigration,
  "0003_oauth": oauthMigration,
  "0004_stepup": stepUpMigration,
  "0005_webhooks": webhooksMigration,
  "0006_campaigns": campaignsMigration,
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
