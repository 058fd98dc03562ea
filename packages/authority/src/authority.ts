/**
 * Wires the services of one authority instance. The server, the CLI's direct-database
 * commands and the tests all build the authority here, so they run the same code.
 */
import { createAuditService } from "./audit/service.js";
import { createCampaignService } from "./campaigns/service.js";
import { type Clock, systemClock } from "./clock.js";
import { loadConfig, type TesseraConfig } from "./config.js";
import type { ServiceContext } from "./context.js";
import { type ChangeGate, createChangeGate } from "./db/change-gate.js";
import { type Database, openDatabase } from "./db/database.js";
import type { CommitListener } from "./db/transaction.js";
import { createFeedService, type FeedService } from "./feed/service.js";
import { createFindingsService, type FindingsDeps } from "./findings/index.js";
import { createJobs } from "./jobs/index.js";
import {
  createCanaryService,
  createKeyLifecycleService,
  createKeyLookup,
  createKeyService,
  createTokenCounts,
  createUsageRecorder,
} from "./keys/index.js";
import { createLeakService } from "./leaks/index.js";
import { createIntrospectionService, createOAuthService, loadOAuthReplicaState } from "./oauth/index.js";
import {
  createBootstrap,
  createPrincipalService,
  createPrincipalSuspension,
  createPrincipalUpdater,
} from "./principals/index.js";
import { createScimService } from "./scim/index.js";
import { createSsfService } from "./ssf/index.js";
import { createSsfReceiver } from "./ssf-receiver/index.js";
import { createStepUpService, upgradeRecoveryCodes } from "./stepup/index.js";
import { createUsageService } from "./usage/index.js";
import { createWebhookService } from "./webhooks/service.js";

export interface AuthorityOptions {
  config?: TesseraConfig;
  clock?: Clock;
  /** An already-open database; otherwise `config.databaseUrl` is opened (and closed on close()). */
  database?: Database;
}

function createFeed(database: Database, config: TesseraConfig, clock: Clock) {
  const feed = createFeedService({
    database,
    databaseUrl: config.databaseUrl,
    clock,
    issuer: config.issuer,
    onError: (error) => process.emitWarning(`tessera feed: ${(error as Error)?.message ?? String(error)}`),
  });
  feed.setOAuthStateLoader(loadOAuthReplicaState);
  return feed;
}

/**
 * The gate of the hot reads remembered in memory (db/change-gate.ts): on SQLite this instance's
 * commits and SQLite's data_version say every change; on PostgreSQL the feed's hub must be
 * reading the change log too. `hotReadCache: false` reads the database every time.
 */
function createChangeGateFor(database: Database, feed: FeedService, config: TesseraConfig): ChangeGate | undefined {
  if (!config.hotReadCache) return undefined;
  const gate = createChangeGate({
    ...(database.externalChanges ? { externalChanges: database.externalChanges } : { feedHeardAt: feed.heardAt }),
    now: () => performance.now(),
  });
  feed.onChanges(() => gate.heard());
  return gate;
}

/**
 * Every unit of work hands its committed change-log rows to this instance's feed, and tells the
 * hot reads remembered in memory, before its caller hears of the commit.
 */
function commitHearers(database: Database, feed: FeedService, config: TesseraConfig) {
  const changeGate = createChangeGateFor(database, feed, config);
  const commitListener: CommitListener = (rows) => {
    changeGate?.heard();
    feed.offerCommitted(rows);
  };
  return { commitListener, changeGate };
}

/** What sees credentials in use: the usage store and the detectors with their findings. */
function createMonitoring(
  ctx: ServiceContext,
  deps: Pick<FindingsDeps, "lifecycle" | "canaries" | "stepUp"> & { feed: FeedService },
) {
  const usageStore = createUsageService(ctx);
  const findings = createFindingsService(ctx, {
    ...deps,
    // A detector's action answers nobody: its receipt is issued at once and fills as verifiers confirm.
    issueReceipt: (sequence, actorId) => deps.feed.awaitReceipt(sequence, 0, actorId),
    onError: (error) => process.emitWarning(`tessera findings: ${(error as Error)?.message ?? String(error)}`),
  });
  return { usageStore, findings };
}

/**
 * Shared Signals both ways: the transmitter signs SETs with the OAuth signing key that
 * /.well-known/jwks.json publishes; the receiver's revoking events disable a user principal or
 * revoke its keys through the same services as the admin API.
 */
function createSharedSignals(
  ctx: ServiceContext,
  services: {
    oauth: ReturnType<typeof createOAuthService>;
    principals: ReturnType<typeof createPrincipalService>;
    lifecycle: ReturnType<typeof createKeyLifecycleService>;
  },
) {
  const { oauth, principals, lifecycle } = services;
  const ssf = createSsfService(ctx, () => oauth.accessTokens.signer());
  const ssfReceiver = createSsfReceiver(ctx, {
    disablePrincipal: (id, reason, actor) => principals.disable(id, reason, actor),
    revokePrincipalKeys: (id, reason, actor) => lifecycle.revokeBySelector({ principalId: id }, reason, actor),
  });
  return { ssf, ssfReceiver };
}

export async function createAuthority(options: AuthorityOptions = {}) {
  const config = options.config ?? loadConfig();
  const clock = options.clock ?? systemClock;
  const database = options.database ?? (await openDatabase(config.databaseUrl));
  const feed = createFeed(database, config, clock);
  const ctx: ServiceContext = { db: database.db, clock, config, ...commitHearers(database, feed, config) };

  const principals = createPrincipalService(ctx);
  const keys = createKeyService(ctx);
  const lifecycle = createKeyLifecycleService(ctx, keys);
  const lookupKey = createKeyLookup(ctx);
  const usage = createUsageRecorder(ctx);
  const canaries = createCanaryService(ctx, (error) =>
    process.emitWarning(`tessera canaries: ${(error as Error)?.message ?? String(error)}`),
  );
  const oauth = createOAuthService(ctx, usage);
  const introspect = createIntrospectionService(ctx, lookupKey, usage, oauth);
  const audit = createAuditService(database.db, clock);
  const bootstrap = createBootstrap(ctx, principals, keys);
  const tokenCounts = createTokenCounts(ctx);
  const leaks = createLeakService(ctx);
  const webhooks = createWebhookService(ctx, {
    onError: (error) => process.emitWarning(`tessera webhooks: ${(error as Error)?.message ?? String(error)}`),
  });
  const stepUp = createStepUpService(ctx);
  // Recovery codes stored unkeyed by earlier versions become keyed (needs the master key).
  await upgradeRecoveryCodes(database.db, config.masterKey);
  const campaigns = createCampaignService(ctx, { keys, usage, stepUp, webhooks });
  const principalUpdates = createPrincipalUpdater(ctx);
  const principalSuspension = createPrincipalSuspension(ctx);
  const scim = createScimService(ctx, { principals, updates: principalUpdates });
  const { usageStore, findings } = createMonitoring(ctx, { lifecycle, canaries, stepUp, feed });
  const { ssf, ssfReceiver } = createSharedSignals(ctx, { oauth, principals, lifecycle });
  const jobs = createJobs(ctx, (job, error) =>
    process.emitWarning(`tessera job ${job} failed: ${(error as Error)?.message ?? String(error)}`),
  );

  return {
    config,
    clock,
    database,
    principals,
    keys,
    lifecycle,
    lookupKey,
    usage,
    usageStore,
    canaries,
    introspect,
    oauth,
    audit,
    bootstrap,
    tokenCounts,
    leaks,
    webhooks,
    stepUp,
    campaigns,
    principalUpdates,
    principalSuspension,
    scim,
    findings,
    ssf,
    ssfReceiver,
    jobs,
    feed,
    async close(): Promise<void> {
      // Detectors and the usage store write their last pass before anything they need closes.
      await findings.stop();
      await usageStore.stop();
      await webhooks.stop();
      await ssf.stop();
      await jobs.scheduler.stop();
      await feed.close();
      await usage.stop();
      if (!options.database) await database.close();
    },
  };
}

export type Authority = Awaited<ReturnType<typeof createAuthority>>;
