/**
 * Every option of the authority as one row: its environment variable, its default (as it
 * would be written in the environment), how it is parsed, and what it means. `loadConfig`,
 * docs/configuration.md and .env.example (`npm run docs:config`) are all made from this table,
 * so a default is stated once. `TesseraConfig` is derived from it: a row is the field's
 * declaration. Durations accept `90d`, `12h`, `30m`, `45s`.
 */
import { DEFAULT_PREFIXES } from "@tessera/verifier";
import { loadMasterKey } from "../crypto/master-key.js";
import { parseAllowList } from "../domain/address-policy.js";
import { parseLifetimePolicies } from "../domain/lifetime-policy.js";
import { validationFailed } from "../errors.js";
import { duration, integer, keyPrefix, oneOf, optionalDuration, type Parse, prefixList, text } from "./parsers.js";
import { trustProxy } from "./trust-proxy.js";

/** TESSERA_WEBHOOK_ALLOW_HOSTS, checked entry by entry so a typo fails at start-up. */
const allowHosts: Parse<string[]> = (value, field) => {
  const entries = value
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean);
  try {
    parseAllowList(entries);
  } catch (error) {
    throw validationFailed(`${field}: ${(error as Error).message}`, { field });
  }
  return entries;
};

/** A duration that must be longer than zero (a window of 0 would divide by nothing). */
const positiveDuration: Parse<number> = (value, field, env) => {
  const ms = duration(value, field, env);
  if (ms <= 0) throw validationFailed(`${field} must be longer than 0`, { field });
  return ms;
};

export interface ConfigOption<T> {
  /** The environment variable. */
  env: string;
  /** The default, written as in the environment ("" for none). */
  default: string;
  /** How the default reads in the docs when the literal value would mislead. */
  defaultDoc?: string;
  parse: Parse<T>;
  /** One line for docs/configuration.md and .env.example (Markdown). */
  doc: string;
  /** Further variables this option reads (known names for the typo warning, listed in the docs). */
  alsoReads?: string[];
}

function option<T>(row: ConfigOption<T>): ConfigOption<T> {
  return row;
}

export const DEFAULT_DATABASE_URL = "./data/tessera.db";

export const CONFIG_OPTIONS = {
  databaseUrl: option({
    env: "TESSERA_DATABASE_URL",
    default: DEFAULT_DATABASE_URL,
    parse: text,
    doc: "a SQLite path (or `sqlite:path`), or `postgres://user:pass@host/db`; any other scheme is refused at start-up (`database_url_invalid`), and a PostgreSQL that cannot be used says what failed (`database_unavailable`)",
  }),
  host: option({
    env: "TESSERA_HOST",
    default: "127.0.0.1",
    parse: text,
    doc: "listen address; loopback by default, expose it on purpose (`0.0.0.0`); a non-loopback address needs a master key",
  }),
  port: option({ env: "TESSERA_PORT", default: "7070", parse: integer(0, 65535), doc: "listen port" }),
  issuer: option({
    env: "TESSERA_ISSUER",
    default: "",
    defaultDoc: "http://localhost:<port>",
    parse: (value) => value.replace(/\/+$/, ""),
    doc: "the authority's public URL (used in metadata and tokens)",
  }),
  trustProxy: option({
    env: "TESSERA_TRUST_PROXY",
    default: "off",
    parse: trustProxy,
    doc: "behind a reverse proxy, take the client address from `X-Forwarded-For` (rate limits, audit): `on` trusts every hop (only when nothing reaches the authority except through the proxy), a number trusts that many hops, or a comma-separated list of proxy addresses and CIDR ranges (`10.0.0.0/8,127.0.0.1`)",
  }),
  keyPrefix: option({
    env: "TESSERA_KEY_PREFIX",
    default: DEFAULT_PREFIXES.apiKey,
    parse: keyPrefix,
    doc: "prefix of issued API keys",
  }),
  acceptedKeyPrefixes: option({
    env: "TESSERA_KEY_PREFIXES_ACCEPTED",
    default: "",
    parse: prefixList,
    doc: "further prefixes still accepted (keys issued before a prefix change), comma-separated",
  }),
  keyDefaultTtlMs: option({
    env: "TESSERA_KEY_DEFAULT_TTL",
    default: "90d",
    parse: duration,
    doc: "lifetime of a key issued without `expiresIn`",
  }),
  keyMaxTtlMs: option({
    env: "TESSERA_KEY_MAX_TTL",
    default: "365d",
    parse: duration,
    doc: "the longest lifetime policy allows",
  }),
  rotationGraceMs: option({
    env: "TESSERA_ROTATION_GRACE",
    default: "24h",
    parse: duration,
    doc: "how long a rotated key keeps working by default",
  }),
  rotationMaxGraceMs: option({
    env: "TESSERA_ROTATION_MAX_GRACE",
    default: "30d",
    parse: duration,
    doc: "the longest grace window a rotation may ask for",
  }),
  campaignInUseWindowMs: option({
    env: "TESSERA_CAMPAIGN_IN_USE_WINDOW",
    default: "15m",
    parse: duration,
    doc: "a rotation campaign's old key used within this window is in use: finalize refuses (unless forced) and it is not safe to retire ([campaigns.md](campaigns.md))",
  }),
  usageFlushIntervalMs: option({
    env: "TESSERA_USAGE_FLUSH_INTERVAL",
    default: "5s",
    parse: duration,
    doc: "how often last-used times are written, in one batch",
  }),
  usageMinuteRetentionMs: option({
    env: "TESSERA_USAGE_MINUTE_RETENTION",
    default: "7d",
    parse: duration,
    doc: "how long per-minute usage counts are kept ([monitoring.md](monitoring.md#usage))",
  }),
  usageHourRetentionMs: option({
    env: "TESSERA_USAGE_HOUR_RETENTION",
    default: "90d",
    parse: duration,
    doc: "how long per-hour usage counts and the addresses, user agents and routes seen are kept",
  }),
  usageSeenLimit: option({
    env: "TESSERA_USAGE_SEEN_LIMIT",
    default: "20",
    parse: integer(1, 1000),
    doc: "addresses, networks, user agents and routes kept per key, each (the most used; the others are counted as dropped)",
  }),
  bodyLimitBytes: option({
    env: "TESSERA_BODY_LIMIT",
    default: "1048576",
    parse: integer(1024, 64 << 20),
    doc: "largest request body, bytes",
  }),
  logLevel: option({ env: "TESSERA_LOG_LEVEL", default: "info", parse: text, doc: "pino level" }),
  tracingEndpoint: option({
    env: "TESSERA_OTLP_ENDPOINT",
    default: "",
    defaultDoc: "`OTEL_EXPORTER_OTLP_ENDPOINT`, else tracing off",
    // The standard OpenTelemetry variable works too, as collectors' docs tell operators to set it.
    parse: (value, _field, env) => value || env.OTEL_EXPORTER_OTLP_ENDPOINT || "",
    doc: "an OTLP/HTTP collector (e.g. `http://127.0.0.1:4318`): turns OpenTelemetry tracing on, spans sent to `<endpoint>/v1/traces` ([tracing.md](tracing.md)); `OTEL_SERVICE_NAME` names the service (default `tessera-authority`)",
  }),
  hotRouteLogLevel: option({
    env: "TESSERA_HOT_ROUTE_LOG_LEVEL",
    default: "warn",
    parse: oneOf("trace", "debug", "info", "warn", "error", "fatal", "silent"),
    doc: "level of the per-request log lines of the endpoints services call per request (`/oauth/introspect`, `/oauth/token`, `/oauth/revoke`, `/v1/verifiers/usage`, `/v1/verifiers/acks`); `info` logs every call; never more verbose than `TESSERA_LOG_LEVEL`",
  }),
  masterKey: option({
    env: "TESSERA_MASTER_KEY",
    alsoReads: ["TESSERA_MASTER_KEY_FILE"],
    default: "",
    defaultDoc: "development key (`serve` warns loudly, and refuses it on a non-loopback address)",
    parse: (_value, _field, env) => loadMasterKey(env),
    doc: "base64 of 32 random bytes, or `TESSERA_MASTER_KEY_FILE`: a file holding it; encrypts signing keys, TOTP secrets, webhook secrets and secrets awaiting distribution at rest ([oauth.md](oauth.md))",
  }),
  accessTokenTtlMs: option({
    env: "TESSERA_ACCESS_TOKEN_TTL",
    default: "5m",
    parse: duration,
    doc: "default OAuth access-token lifetime (a client may set its own)",
  }),
  accessTokenMaxTtlMs: option({
    env: "TESSERA_ACCESS_TOKEN_MAX_TTL",
    default: "1h",
    parse: duration,
    doc: "cap on any access-token lifetime",
  }),
  refreshTokenIdleTtlMs: option({
    env: "TESSERA_REFRESH_TOKEN_IDLE_TTL",
    default: "14d",
    parse: duration,
    doc: "a refresh token unused this long expires",
  }),
  refreshTokenMaxTtlMs: option({
    env: "TESSERA_REFRESH_TOKEN_MAX_TTL",
    default: "90d",
    parse: duration,
    doc: "absolute lifetime of a refresh family",
  }),
  signingKeyPublicationDelayMs: option({
    env: "TESSERA_SIGNING_KEY_PUBLICATION_DELAY",
    default: "10m",
    parse: duration,
    doc: "how long a rotated-in signing key is published before it signs",
  }),
  dpopProofWindowMs: option({
    env: "TESSERA_DPOP_PROOF_WINDOW",
    default: "60s",
    parse: duration,
    doc: "accepted distance between a DPoP proof's `iat` and now",
  }),
  dpopNonceRequired: option({
    env: "TESSERA_DPOP_NONCE",
    default: "off",
    parse: (value, field, env) => oneOf("off", "required")(value, field, env) === "required",
    doc: "`required`: DPoP proofs must carry the server nonce",
  }),
  leakAction: option({
    env: "TESSERA_LEAK_ACTION",
    default: "revoke",
    parse: oneOf("revoke", "deprecate", "notify"),
    doc: "what `POST /v1/leaks` does to live leaked keys: `revoke`, `deprecate` or `notify`",
  }),
  leakDeprecateWithinMs: option({
    env: "TESSERA_LEAK_DEPRECATE_WITHIN",
    default: "1h",
    parse: duration,
    doc: "with `deprecate`, how long a leaked key keeps working (a rollback of a rotation the key is in keeps this deadline)",
  }),
  stepUpSelectorThreshold: option({
    env: "TESSERA_STEPUP_SELECTOR_THRESHOLD",
    default: "100",
    parse: integer(0, 1_000_000_000),
    doc: "a revocation by selector matching more not-yet-revoked keys than this needs step-up (the caller's TOTP code and a justification, [step-up.md](step-up.md)); `0`: any non-empty selection",
  }),
  webhookAllowHosts: option({
    env: "TESSERA_WEBHOOK_ALLOW_HOSTS",
    default: "",
    defaultDoc: "(none)",
    parse: allowHosts,
    doc: "host names, addresses and CIDR ranges of internal webhook receivers, comma-separated (loopback, private and link-local addresses are refused otherwise); plain http only to these ([webhooks.md](webhooks.md))",
  }),
  webhookTimeoutMs: option({
    env: "TESSERA_WEBHOOK_TIMEOUT",
    default: "5s",
    parse: duration,
    doc: "how long one webhook delivery attempt may take ([webhooks.md](webhooks.md))",
  }),
  webhookConcurrency: option({
    env: "TESSERA_WEBHOOK_CONCURRENCY",
    default: "8",
    parse: integer(1, 256),
    doc: "webhook attempts in flight per instance (at most 2 per endpoint)",
  }),
  webhookPollIntervalMs: option({
    env: "TESSERA_WEBHOOK_POLL_INTERVAL",
    default: "1s",
    parse: duration,
    doc: "how often the webhook dispatcher looks for new events and due retries",
  }),
  webhookSecretGraceMs: option({
    env: "TESSERA_WEBHOOK_SECRET_GRACE",
    default: "24h",
    parse: duration,
    doc: "after a webhook signing-secret rotation, how long the old secret also signs",
  }),
  webhookLegacySignature: option({
    env: "TESSERA_WEBHOOK_LEGACY_SIGNATURE",
    default: "on",
    parse: (value, field, env) => oneOf("on", "off")(value, field, env) === "on",
    doc: "also send the pre-0.2 `Tessera-Signature` header beside the Standard Webhooks headers, for receivers not yet moved over ([webhooks.md](webhooks.md#verifying-the-signature)); `off` once they have",
  }),
  scopeNarrowing: option({
    env: "TESSERA_SCOPE_NARROWING",
    default: "revoke",
    parse: oneOf("revoke", "narrow"),
    doc: "when a principal's allowed scopes shrink, its keys carrying a removed scope are revoked (`revoke`) or keep only the scopes still allowed (`narrow`)",
  }),
  lifetimePolicies: option({
    env: "TESSERA_LIFETIME_POLICIES",
    default: "",
    parse: (value) => parseLifetimePolicies(value),
    doc: "per-scope and per-principal-kind `maxTtl` / `defaultTtl` rules, JSON; see [expiry.md](expiry.md)",
  }),
  expiryWarningMs: option({
    env: "TESSERA_EXPIRY_WARNING",
    default: "7d",
    parse: duration,
    doc: "`key.expiring` is announced this long before a key expires",
  }),
  sweepUnusedAfterMs: option({
    env: "TESSERA_SWEEP_UNUSED_AFTER",
    default: "off",
    parse: optionalDuration,
    doc: "expire keys unused this long (e.g. `90d`)",
  }),
  keyRetentionMs: option({
    env: "TESSERA_RETENTION",
    default: "off",
    parse: optionalDuration,
    doc: "purge records of keys revoked or expired this long ago",
  }),
  auditRetentionMs: option({
    env: "TESSERA_AUDIT_RETENTION",
    default: "off",
    parse: optionalDuration,
    doc: "delete audit records older than this, keeping the chain verifiable from its anchor",
  }),
  jobsIntervalMs: option({
    env: "TESSERA_JOBS_INTERVAL",
    default: "1m",
    parse: optionalDuration,
    doc: "how often scheduled jobs run; `0` turns the scheduler off",
  }),
  rootKeyFile: option({
    env: "TESSERA_ROOT_KEY_FILE",
    default: "",
    defaultDoc: "`root-admin-key.txt` beside the SQLite file (PostgreSQL: in `./data`)",
    parse: text,
    doc: "where `serve` writes the root admin key created on a first start when its output is not a terminal (a container: the key must not live only in the log stream); written once, mode 0600, and its path printed",
  }),
  hotReadCache: option({
    env: "TESSERA_HOT_READ_CACHE",
    default: "on",
    parse: (value, field, env) => oneOf("on", "off")(value, field, env) === "on",
    doc: "answer the hot lookups (a presented API key or client secret, an access token's revocation state) from memory until a change is heard: at once for this instance's and (SQLite) other processes' commits, through the change feed for other PostgreSQL instances, as verifiers hear them ([oauth.md](oauth.md#introspection-from-memory)); `off` reads the database on every call",
  }),
  rateLimitWindowMs: option({
    env: "TESSERA_RATE_LIMIT_WINDOW",
    default: "1m",
    parse: positiveDuration,
    doc: "the window of the rate limits below ([api.md](api.md#rate-limits))",
  }),
  rateLimitPerAddress: option({
    env: "TESSERA_RATE_LIMIT",
    default: "60000",
    parse: integer(0, 1_000_000_000),
    doc: "requests per window per client address on `/oauth/*` and `/v1/*`; `0`: off",
  }),
  rateLimitPerClient: option({
    env: "TESSERA_RATE_LIMIT_CLIENT",
    default: "60000",
    parse: integer(0, 1_000_000_000),
    doc: "requests per window per client id (OAuth `client_id`, admin key); `0`: off",
  }),
  rateLimitFailedAuth: option({
    env: "TESSERA_RATE_LIMIT_FAILED_AUTH",
    default: "120",
    parse: integer(0, 1_000_000_000),
    doc: "failed authentications per window per address before every request from it gets 429; `0`: off",
  }),
  authFailureAuditWindowMs: option({
    env: "TESSERA_AUTH_FAILURE_AUDIT_WINDOW",
    default: "1m",
    parse: positiveDuration,
    doc: "repeated failed authentications of one address within this window become one summary audit record",
  }),
  dashboardDir: option({
    env: "TESSERA_DASHBOARD_DIR",
    default: "",
    defaultDoc: "the `@tessera/dashboard` package's `dist/`",
    parse: text,
    doc: "the built operator dashboard served at `/dashboard/` ([dashboard.md](dashboard.md)); `off` serves none",
  }),
};

/** Variables read outside `loadConfig` (the CLI, tests, tools): known, so no typo warning. */
export const OTHER_VARIABLES: Record<string, string> = {
  TESSERA_URL:
    "CLI: the authority's URL (default: `http://TESSERA_HOST:TESSERA_PORT`, the address `tessera serve` listens on with the same environment, else `http://127.0.0.1:7070`)",
  TESSERA_ADMIN_KEY:
    "CLI: an admin key; read from the environment only, never a flag, so it stays out of shell history and process lists",
  TESSERA_FEED_KEY: "a service using the verifier: its feed credential, by the convention of docs/verifier.md",
  TESSERA_TEST_POSTGRES_URL: "tests: run the PostgreSQL suites against this database",
  TESSERA_TEST_LOG: "tests: show the authority's log",
  TESSERA_BENCH_POSTGRES_URL: "benchmarks: PostgreSQL to measure against",
};

/** Option pairs where the first must not exceed the second. */
export const ORDERED_LIMITS: ReadonlyArray<readonly [ConfigField, ConfigField]> = [
  ["accessTokenTtlMs", "accessTokenMaxTtlMs"],
  ["refreshTokenIdleTtlMs", "refreshTokenMaxTtlMs"],
  ["keyDefaultTtlMs", "keyMaxTtlMs"],
  ["rotationGraceMs", "rotationMaxGraceMs"],
];

export type ConfigField = keyof typeof CONFIG_OPTIONS;
