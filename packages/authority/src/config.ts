/**
 * Every option of the authority, its environment variable and its default, in one place.
 * `loadConfig` validates at start-up so that a typo fails loudly instead of running with a
 * surprising default. Durations accept `90d`, `12h`, `30m`, `45s`.
 */
import { assertValidPrefix, DEFAULT_PREFIXES } from "@tessera/verifier";
import { databaseKind } from "./db/url.js";
import { type LifetimeRule, parseLifetimePolicies } from "./domain/lifetime-policy.js";
import { parseDuration } from "./duration.js";
import { validationFailed } from "./errors.js";
import { parseAllowList } from "./webhooks/address-policy.js";

export { databaseKind };

import { loadMasterKey, type MasterKey } from "./oauth/master-key.js";

export interface TesseraConfig {
  /** TESSERA_DATABASE_URL: a SQLite path or `sqlite:` URL, or `postgres://...`. */
  databaseUrl: string;
  /** TESSERA_HOST: the address to listen on. Loopback by default: expose it on purpose. */
  host: string;
  /** TESSERA_PORT: the port to listen on. */
  port: number;
  /** TESSERA_ISSUER: the public URL of this authority (used in metadata and tokens). */
  issuer: string;
  /** TESSERA_KEY_PREFIX: prefix of API keys issued by this deployment (`tsk`). */
  keyPrefix: string;
  /** Prefixes still accepted (keys issued before a prefix change): TESSERA_KEY_PREFIXES_ACCEPTED, comma-separated. */
  acceptedKeyPrefixes: string[];
  /** TESSERA_KEY_DEFAULT_TTL: lifetime of a key issued without an expiry (90d). */
  keyDefaultTtlMs: number;
  /** TESSERA_KEY_MAX_TTL: the longest lifetime policy allows (365d). */
  keyMaxTtlMs: number;
  /** TESSERA_ROTATION_GRACE: how long a rotated key keeps working by default (24h). */
  rotationGraceMs: number;
  /** TESSERA_ROTATION_MAX_GRACE: the longest grace window a rotation may ask for (30d). */
  rotationMaxGraceMs: number;
  /**
   * TESSERA_CAMPAIGN_IN_USE_WINDOW: a campaign's old key used within this window counts as still
   * in use: finalize refuses (unless forced) and it is not safe to retire (15m).
   */
  campaignInUseWindowMs: number;
  /** TESSERA_USAGE_FLUSH_INTERVAL: how often last-used times are written in one batch (5s). */
  usageFlushIntervalMs: number;
  /** TESSERA_BODY_LIMIT: the largest request body accepted, in bytes (1 MiB). */
  bodyLimitBytes: number;
  /** TESSERA_LOG_LEVEL: pino level (info). */
  logLevel: string;
  /**
   * TESSERA_MASTER_KEY (base64 of 32 bytes) or TESSERA_MASTER_KEY_FILE: encrypts signing keys at
   * rest. Without either, a well-known development key is used and `serve` warns loudly.
   */
  masterKey: MasterKey;
  /** TESSERA_ACCESS_TOKEN_TTL: default lifetime of OAuth access tokens (5m); a client may set its own. */
  accessTokenTtlMs: number;
  /** TESSERA_ACCESS_TOKEN_MAX_TTL: the longest access-token lifetime policy allows (1h). */
  accessTokenMaxTtlMs: number;
  /** TESSERA_REFRESH_TOKEN_IDLE_TTL: a refresh token unused this long expires (14d). */
  refreshTokenIdleTtlMs: number;
  /** TESSERA_REFRESH_TOKEN_MAX_TTL: absolute lifetime of a grant's refresh chain (90d). */
  refreshTokenMaxTtlMs: number;
  /** TESSERA_SIGNING_KEY_PUBLICATION_DELAY: how long a new signing key is published before it signs (10m). */
  signingKeyPublicationDelayMs: number;
  /** TESSERA_DPOP_PROOF_WINDOW: how far a DPoP proof's `iat` may be from now (60s). */
  dpopProofWindowMs: number;
  /** TESSERA_DPOP_NONCE: `required` makes DPoP proofs carry a server nonce (default `off`). */
  dpopNonceRequired: boolean;
  /** TESSERA_LEAK_ACTION: what POST /v1/leaks does to a live leaked key by default: revoke | deprecate | notify. */
  leakAction: "revoke" | "deprecate" | "notify";
  /** TESSERA_LEAK_DEPRECATE_WITHIN: with the deprecate policy, how long a leaked key keeps working (1h). */
  leakDeprecateWithinMs: number;
  /** TESSERA_STEPUP_SELECTOR_THRESHOLD: a revocation by selector matching more keys than this needs step-up (100). */
  stepUpSelectorThreshold: number;
  /** TESSERA_WEBHOOK_TIMEOUT: how long one webhook delivery attempt may take before it counts as failed (5s). */
  /**
   * TESSERA_WEBHOOK_ALLOW_HOSTS: host names, addresses and CIDR ranges webhooks may reach although
   * they are loopback, private or link-local (internal receivers), comma-separated; plain http is
   * allowed only to these. Empty by default: webhooks go only to public hosts over https.
   */
  webhookAllowHosts: string[];
  webhookTimeoutMs: number;
  /** TESSERA_WEBHOOK_CONCURRENCY: webhook deliveries in flight at once per instance (8; at most 2 per endpoint). */
  webhookConcurrency: number;
  /** TESSERA_WEBHOOK_POLL_INTERVAL: how often the dispatcher looks for new events and due retries (1s). */
  webhookPollIntervalMs: number;
  /** TESSERA_WEBHOOK_SECRET_GRACE: after a signing-secret rotation, how long deliveries are also signed with the old secret (24h). */
  webhookSecretGraceMs: number;
  /** TESSERA_SCOPE_NARROWING: when a principal's allowed scopes shrink, its keys carrying a removed scope are revoked (revoke) or narrowed (narrow). */
  scopeNarrowing: "revoke" | "narrow";
  /** TESSERA_LIFETIME_POLICIES: per-scope and per-principal-kind default and maximum lifetimes (JSON; see docs/expiry.md). */
  lifetimePolicies: LifetimeRule[];
  /** TESSERA_EXPIRY_WARNING: how long before a key expires the key.expiring event is sent (7d). */
  expiryWarningMs: number;
  /** TESSERA_SWEEP_UNUSED_AFTER: expire keys unused for this long (off by default: 0). */
  sweepUnusedAfterMs: number;
  /** TESSERA_RETENTION: purge records of keys revoked or expired for this long (off by default: 0). */
  keyRetentionMs: number;
  /** TESSERA_AUDIT_RETENTION: delete audit records older than this, keeping the chain verifiable (off by default: 0). */
  auditRetentionMs: number;
  /** TESSERA_JOBS_INTERVAL: how often the scheduled jobs run (1m; 0 turns the scheduler off). */
  jobsIntervalMs: number;
  /** TESSERA_RATE_LIMIT_WINDOW: the window of the rate limits below (1m). */
  rateLimitWindowMs: number;
  /** TESSERA_RATE_LIMIT: requests per window per client address on /oauth/* and /v1/* (60000; 0 = off). */
  rateLimitPerAddress: number;
  /** TESSERA_RATE_LIMIT_CLIENT: requests per window per client id (OAuth client_id, admin key) (60000; 0 = off). */
  rateLimitPerClient: number;
  /** TESSERA_RATE_LIMIT_FAILED_AUTH: failed authentications per window per address before it gets 429 (120; 0 = off). */
  rateLimitFailedAuth: number;
  /** TESSERA_AUTH_FAILURE_AUDIT_WINDOW: repeated auth failures of one address in this window become one summary audit record (1m). */
  authFailureAuditWindowMs: number;
}

export type Env = Record<string, string | undefined>;

export const DEFAULT_DATABASE_URL = "./data/tessera.db";

function integer(value: string, field: string, min: number, max: number): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw validationFailed(`${field} must be a whole number from ${min} to ${max}`, { field });
  }
  return parsed;
}

function leakAction(value: string): TesseraConfig["leakAction"] {
  if (value === "revoke" || value === "deprecate" || value === "notify") return value;
  throw validationFailed("TESSERA_LEAK_ACTION must be revoke, deprecate or notify", { field: "TESSERA_LEAK_ACTION" });
}

function dpopNonce(value: string): boolean {
  if (value === "off" || value === "required") return value === "required";
  throw validationFailed("TESSERA_DPOP_NONCE must be off or required", { field: "TESSERA_DPOP_NONCE" });
}

/** A duration where "0", "off" or absence turns the feature off (0). */
function optionalDuration(value: string | undefined, field: string): number {
  if (value === undefined || value === "" || value === "0" || value === "off") return 0;
  return parseDuration(value, field);
}

function scopeNarrowing(value: string): TesseraConfig["scopeNarrowing"] {
  if (value === "revoke" || value === "narrow") return value;
  throw validationFailed("TESSERA_SCOPE_NARROWING must be revoke or narrow", { field: "TESSERA_SCOPE_NARROWING" });
}

/** TESSERA_WEBHOOK_ALLOW_HOSTS, checked entry by entry so a typo fails at start-up. */
function allowHosts(text: string): string[] {
  const entries = text
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean);
  try {
    parseAllowList(entries);
  } catch (error) {
    throw validationFailed(`TESSERA_WEBHOOK_ALLOW_HOSTS: ${(error as Error).message}`, {
      field: "TESSERA_WEBHOOK_ALLOW_HOSTS",
    });
  }
  return entries;
}

/** Builds the configuration from environment variables and explicit overrides (CLI flags). */
export function loadConfig(env: Env = process.env, overrides: Partial<TesseraConfig> = {}): TesseraConfig {
  const port = overrides.port ?? integer(env.TESSERA_PORT ?? "7070", "TESSERA_PORT", 0, 65535);
  const keyPrefix = overrides.keyPrefix ?? env.TESSERA_KEY_PREFIX ?? DEFAULT_PREFIXES.apiKey;
  assertValidPrefix(keyPrefix);
  const accepted = (env.TESSERA_KEY_PREFIXES_ACCEPTED ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  for (const prefix of accepted) assertValidPrefix(prefix);

  const config: TesseraConfig = {
    databaseUrl: overrides.databaseUrl ?? env.TESSERA_DATABASE_URL ?? DEFAULT_DATABASE_URL,
    host: overrides.host ?? env.TESSERA_HOST ?? "127.0.0.1",
    port,
    issuer: (overrides.issuer ?? env.TESSERA_ISSUER ?? `http://localhost:${port}`).replace(/\/+$/, ""),
    keyPrefix,
    acceptedKeyPrefixes: overrides.acceptedKeyPrefixes ?? [...new Set([keyPrefix, ...accepted])],
    keyDefaultTtlMs:
      overrides.keyDefaultTtlMs ?? parseDuration(env.TESSERA_KEY_DEFAULT_TTL ?? "90d", "TESSERA_KEY_DEFAULT_TTL"),
    keyMaxTtlMs: overrides.keyMaxTtlMs ?? parseDuration(env.TESSERA_KEY_MAX_TTL ?? "365d", "TESSERA_KEY_MAX_TTL"),
    rotationGraceMs:
      overrides.rotationGraceMs ?? parseDuration(env.TESSERA_ROTATION_GRACE ?? "24h", "TESSERA_ROTATION_GRACE"),
    rotationMaxGraceMs:
      overrides.rotationMaxGraceMs ??
      parseDuration(env.TESSERA_ROTATION_MAX_GRACE ?? "30d", "TESSERA_ROTATION_MAX_GRACE"),
    campaignInUseWindowMs:
      overrides.campaignInUseWindowMs ??
      parseDuration(env.TESSERA_CAMPAIGN_IN_USE_WINDOW ?? "15m", "TESSERA_CAMPAIGN_IN_USE_WINDOW"),
    usageFlushIntervalMs:
      overrides.usageFlushIntervalMs ??
      parseDuration(env.TESSERA_USAGE_FLUSH_INTERVAL ?? "5s", "TESSERA_USAGE_FLUSH_INTERVAL"),
    bodyLimitBytes:
      overrides.bodyLimitBytes ?? integer(env.TESSERA_BODY_LIMIT ?? "1048576", "TESSERA_BODY_LIMIT", 1024, 64 << 20),
    logLevel: overrides.logLevel ?? env.TESSERA_LOG_LEVEL ?? "info",
    masterKey: overrides.masterKey ?? loadMasterKey(env),
    accessTokenTtlMs:
      overrides.accessTokenTtlMs ?? parseDuration(env.TESSERA_ACCESS_TOKEN_TTL ?? "5m", "TESSERA_ACCESS_TOKEN_TTL"),
    accessTokenMaxTtlMs:
      overrides.accessTokenMaxTtlMs ??
      parseDuration(env.TESSERA_ACCESS_TOKEN_MAX_TTL ?? "1h", "TESSERA_ACCESS_TOKEN_MAX_TTL"),
    refreshTokenIdleTtlMs:
      overrides.refreshTokenIdleTtlMs ??
      parseDuration(env.TESSERA_REFRESH_TOKEN_IDLE_TTL ?? "14d", "TESSERA_REFRESH_TOKEN_IDLE_TTL"),
    refreshTokenMaxTtlMs:
      overrides.refreshTokenMaxTtlMs ??
      parseDuration(env.TESSERA_REFRESH_TOKEN_MAX_TTL ?? "90d", "TESSERA_REFRESH_TOKEN_MAX_TTL"),
    signingKeyPublicationDelayMs:
      overrides.signingKeyPublicationDelayMs ??
      parseDuration(env.TESSERA_SIGNING_KEY_PUBLICATION_DELAY ?? "10m", "TESSERA_SIGNING_KEY_PUBLICATION_DELAY"),
    dpopProofWindowMs:
      overrides.dpopProofWindowMs ?? parseDuration(env.TESSERA_DPOP_PROOF_WINDOW ?? "60s", "TESSERA_DPOP_PROOF_WINDOW"),
    dpopNonceRequired: overrides.dpopNonceRequired ?? dpopNonce(env.TESSERA_DPOP_NONCE ?? "off"),
    leakAction: overrides.leakAction ?? leakAction(env.TESSERA_LEAK_ACTION ?? "revoke"),
    leakDeprecateWithinMs:
      overrides.leakDeprecateWithinMs ??
      parseDuration(env.TESSERA_LEAK_DEPRECATE_WITHIN ?? "1h", "TESSERA_LEAK_DEPRECATE_WITHIN"),
    stepUpSelectorThreshold:
      overrides.stepUpSelectorThreshold ??
      integer(env.TESSERA_STEPUP_SELECTOR_THRESHOLD ?? "100", "TESSERA_STEPUP_SELECTOR_THRESHOLD", 0, 1_000_000_000),
    webhookAllowHosts: overrides.webhookAllowHosts ?? allowHosts(env.TESSERA_WEBHOOK_ALLOW_HOSTS ?? ""),
    webhookTimeoutMs:
      overrides.webhookTimeoutMs ?? parseDuration(env.TESSERA_WEBHOOK_TIMEOUT ?? "5s", "TESSERA_WEBHOOK_TIMEOUT"),
    webhookConcurrency:
      overrides.webhookConcurrency ??
      integer(env.TESSERA_WEBHOOK_CONCURRENCY ?? "8", "TESSERA_WEBHOOK_CONCURRENCY", 1, 256),
    webhookPollIntervalMs:
      overrides.webhookPollIntervalMs ??
      parseDuration(env.TESSERA_WEBHOOK_POLL_INTERVAL ?? "1s", "TESSERA_WEBHOOK_POLL_INTERVAL"),
    webhookSecretGraceMs:
      overrides.webhookSecretGraceMs ??
      parseDuration(env.TESSERA_WEBHOOK_SECRET_GRACE ?? "24h", "TESSERA_WEBHOOK_SECRET_GRACE"),
    scopeNarrowing: overrides.scopeNarrowing ?? scopeNarrowing(env.TESSERA_SCOPE_NARROWING ?? "revoke"),
    lifetimePolicies: overrides.lifetimePolicies ?? parseLifetimePolicies(env.TESSERA_LIFETIME_POLICIES),
    expiryWarningMs:
      overrides.expiryWarningMs ?? parseDuration(env.TESSERA_EXPIRY_WARNING ?? "7d", "TESSERA_EXPIRY_WARNING"),
    sweepUnusedAfterMs:
      overrides.sweepUnusedAfterMs ?? optionalDuration(env.TESSERA_SWEEP_UNUSED_AFTER, "TESSERA_SWEEP_UNUSED_AFTER"),
    keyRetentionMs: overrides.keyRetentionMs ?? optionalDuration(env.TESSERA_RETENTION, "TESSERA_RETENTION"),
    auditRetentionMs:
      overrides.auditRetentionMs ?? optionalDuration(env.TESSERA_AUDIT_RETENTION, "TESSERA_AUDIT_RETENTION"),
    jobsIntervalMs:
      overrides.jobsIntervalMs ?? optionalDuration(env.TESSERA_JOBS_INTERVAL ?? "1m", "TESSERA_JOBS_INTERVAL"),
    rateLimitWindowMs:
      overrides.rateLimitWindowMs ?? parseDuration(env.TESSERA_RATE_LIMIT_WINDOW ?? "1m", "TESSERA_RATE_LIMIT_WINDOW"),
    rateLimitPerAddress:
      overrides.rateLimitPerAddress ??
      integer(env.TESSERA_RATE_LIMIT ?? "60000", "TESSERA_RATE_LIMIT", 0, 1_000_000_000),
    rateLimitPerClient:
      overrides.rateLimitPerClient ??
      integer(env.TESSERA_RATE_LIMIT_CLIENT ?? "60000", "TESSERA_RATE_LIMIT_CLIENT", 0, 1_000_000_000),
    rateLimitFailedAuth:
      overrides.rateLimitFailedAuth ??
      integer(env.TESSERA_RATE_LIMIT_FAILED_AUTH ?? "120", "TESSERA_RATE_LIMIT_FAILED_AUTH", 0, 1_000_000_000),
    authFailureAuditWindowMs:
      overrides.authFailureAuditWindowMs ??
      parseDuration(env.TESSERA_AUTH_FAILURE_AUDIT_WINDOW ?? "1m", "TESSERA_AUTH_FAILURE_AUDIT_WINDOW"),
  };
  if (config.accessTokenTtlMs > config.accessTokenMaxTtlMs) {
    throw validationFailed("TESSERA_ACCESS_TOKEN_TTL must not exceed TESSERA_ACCESS_TOKEN_MAX_TTL");
  }
  if (config.refreshTokenIdleTtlMs > config.refreshTokenMaxTtlMs) {
    throw validationFailed("TESSERA_REFRESH_TOKEN_IDLE_TTL must not exceed TESSERA_REFRESH_TOKEN_MAX_TTL");
  }
  if (config.keyDefaultTtlMs > config.keyMaxTtlMs) {
    throw validationFailed("TESSERA_KEY_DEFAULT_TTL must not exceed TESSERA_KEY_MAX_TTL");
  }
  if (config.rateLimitWindowMs <= 0 || config.authFailureAuditWindowMs <= 0) {
    throw validationFailed("TESSERA_RATE_LIMIT_WINDOW and TESSERA_AUTH_FAILURE_AUDIT_WINDOW must be longer than 0");
  }
  if (config.rotationGraceMs > config.rotationMaxGraceMs) {
    throw validationFailed("TESSERA_ROTATION_GRACE must not exceed TESSERA_ROTATION_MAX_GRACE");
  }
  // A URL naming no store we support fails here, before anything is created.
  databaseKind(config.databaseUrl);
  return config;
}

/** Which database engine a URL names. */
