/**
 * `createVerifier`: a local verifier kept in step with the authority. See docs/verifier.md.
 * @module
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { type CanaryTracker, createCanaryTracker } from "./canary-reports.js";
import { FeedClient } from "./feed-client.js";
import { createIntrospector } from "./introspect.js";
import { SignatureCache } from "./jwt.js";
import type { VerifyOptions, VerifyResult } from "./types.js";
import { createUsageReporter, type UsageRecord, type UsageReporter } from "./usage.js";
import { type CheckedOptions, checkOptions, type VerifierOptions } from "./verifier-options.js";
import { type LocalVerifyContext, rejection, verifyLocally } from "./verify.js";

export type { VerifierOptions } from "./verifier-options.js";

/**
 * A verifier's state, for health checks and dashboards.
 * @example
 * const { ready, fresh, appliedSequence, headSequence } = verifier.status();
 * if (!fresh) console.warn(`replica ${headSequence - appliedSequence} changes behind`);
 */
export interface VerifierStatus {
  ready: boolean;
  connected: boolean;
  fresh: boolean;
  appliedSequence: number;
  headSequence: number;
  keys: number;
  /** Milliseconds since the replica was last known current; null before the first snapshot. */
  ageMs: number | null;
  resyncs: number;
  usage: { entries: number; dropped: number } | null;
}

/**
 * A local verifier, made by {@link createVerifier}.
 * @example
 * const result = verifier.verify(token, { scopes: ["orders:read"] });
 * if (result.ok) console.log(result.principalId, result.keyId);
 */
export interface Verifier {
  readonly name: string;
  /** This process's verifier id, as the authority lists it. */
  readonly instance: string;
  readonly stalenessMs: number;
  /** Verifies locally, synchronously, without I/O. Never throws. */
  verify(token: unknown, options?: VerifyOptions): VerifyResult;
  /** `verify`, except that a stale verifier with `onStale: 'introspect'` asks the authority. */
  authenticate(token: unknown, options?: VerifyOptions): Promise<VerifyResult>;
  /**
   * Counts one verification for usage reporting (middleware does this for you). `token`, the
   * credential that was verified, lets a canary key's use be reported with this request's
   * address, user agent and route; it is only compared, never kept or sent.
   */
  recordUsage(record: UsageRecord, token?: string): void;
  /**
   * Resolves once the first snapshot is loaded; rejects after `timeoutMs` (default 30s), or at
   * once with a `FeedHttpError` (`code` `feed_unauthorized` or `feed_forbidden`) when the
   * authority refuses the credential.
   */
  ready(timeoutMs?: number): Promise<void>;
  status(): VerifierStatus;
  /** Disconnects, sends the last usage batch, stops timers. */
  close(): Promise<void>;
}

/** Usage batches to the authority, or null when disabled. */
function createUsage(options: VerifierOptions, url: string, instance: string): UsageReporter | null {
  if (options.usage === false) return null;
  return createUsageReporter({
    ...options.usage,
    async send(batch) {
      const response = await fetch(`${url.replace(/\/+$/, "")}/v1/verifiers/usage`, {
        method: "POST",
        headers: { authorization: `Bearer ${options.credential}`, "content-type": "application/json" },
        body: JSON.stringify({ verifierId: instance, ...batch }),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) throw new Error(`usage report answered HTTP ${response.status}`);
    },
  });
}

/** Refusals of a key this replica knows: the usage record names the key (its id, never the token). */
const ATTRIBUTED_REFUSALS: ReadonlySet<string> = new Set(["revoked", "suspended", "expired"]);

function attributed(feed: FeedClient, record: UsageRecord, token: string | undefined): UsageRecord {
  if (record.keyId !== null || token === undefined || !ATTRIBUTED_REFUSALS.has(record.outcome)) return record;
  const keyId = feed.replica?.keyIdOfToken(token) ?? null;
  return keyId === null ? record : { ...record, keyId, kind: "api_key" };
}

/** The hot path: `verify` over the feed's replica, with the clock it reads. */
function createLocalVerify(feed: FeedClient, ctx: LocalVerifyContext, stalenessMs: number, issuer: string | undefined) {
  // Wall-clock time as the monotonic clock plus an offset, re-read every second: one clock
  // read per verification instead of two, and expiry still follows wall-clock adjustments.
  let wallOffset = Date.now() - performance.now();
  const clockTimer = setInterval(() => {
    wallOffset = Date.now() - performance.now();
  }, 1000);
  clockTimer.unref();

  // A clock read costs about 70 ns, a whole verification about 1 µs: within one turn of the
  // event loop a reading serves up to 256 verifications (a fraction of a millisecond); the
  // next turn always reads the clock again.
  let reading = 0;
  let readingUses = 0;
  const newTurn = () => {
    readingUses = 0;
  };
  function monotonicNow(): number {
    if (readingUses === 0) setImmediate(newTurn);
    if (readingUses === 0 || readingUses >= 256) {
      reading = performance.now();
      readingUses = 0;
    }
    readingUses++;
    return reading;
  }

  function verify(token: unknown, verifyOptions?: VerifyOptions): VerifyResult {
    const replica = feed.replica;
    const now = monotonicNow();
    if (replica === null || now - feed.freshAt > stalenessMs) return rejection("stale");
    ctx.replica = replica;
    ctx.issuer = issuer ?? feed.issuer;
    try {
      return verifyLocally(token, verifyOptions, ctx, now + wallOffset);
    } catch {
      return rejection("malformed");
    }
  }
  return { verify, stop: () => clearInterval(clockTimer) };
}

/** `ready()`: the first snapshot, the authority's refusal, or the timeout, whichever comes first. */
function waitReady(feed: FeedClient, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`verifier not ready after ${timeoutMs}ms`)), timeoutMs);
    feed.whenReady().then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (error: Error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function statusOf(feed: FeedClient, usage: UsageReporter | null): VerifierStatus {
  return {
    ready: feed.replica !== null,
    connected: feed.connected,
    fresh: feed.isFresh(),
    appliedSequence: feed.applied,
    headSequence: feed.head,
    keys: feed.replica?.keyCount ?? 0,
    ageMs: feed.replica ? Math.round(performance.now() - feed.freshAt) : null,
    resyncs: feed.resyncs,
    usage: usage?.pending() ?? null,
  };
}

function startFeed(options: VerifierOptions, checked: CheckedOptions, instance: string, cache: SignatureCache) {
  const feed = new FeedClient({
    url: checked.url,
    credential: options.credential,
    name: options.name,
    instance,
    stalenessMs: checked.stalenessMs,
    idleMs: checked.idleMs,
    onError: options.onError ?? (() => {}),
    onReplica: () => cache.clear(),
  });
  const pruneTimer = setInterval(() => feed.replica?.prune(Date.now() / 1000), 60_000);
  pruneTimer.unref();
  feed.start();
  return { feed, stop: () => clearInterval(pruneTimer) };
}

/**
 * Creates a verifier and starts following the authority's change feed.
 * @example
 * const verifier = createVerifier({ url: "http://localhost:7070", credential: process.env.TESSERA_FEED_KEY!, name: "checkout-1" });
 * await verifier.ready();
 * const result = verifier.verify(token, { scopes: ["orders:read"] });
 * if (!result.ok) console.log(result.reason); // "revoked", "expired", ...
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const checked = checkOptions(options);
  const instance = `vfy_${randomBytes(12).toString("base64url")}`;
  const cache = new SignatureCache(options.signatureCacheSize ?? 10_000);
  const { feed, stop: stopFeedTimers } = startFeed(options, checked, instance, cache);
  const ctx: LocalVerifyContext = {
    replica: null as never,
    cache,
    issuer: options.issuer,
    prefixes: options.prefixes ? new Set(options.prefixes) : undefined,
    clockToleranceSeconds: checked.clockToleranceSeconds,
    onCanary: undefined,
  };
  const introspect =
    checked.onStale === "introspect" ? createIntrospector({ url: checked.url, credential: options.credential }) : null;
  const usage = createUsage(options, checked.url, instance);
  // Without usage reports a canary is still answered as unknown, but reported nowhere.
  const canaries: CanaryTracker | null = usage ? createCanaryTracker((record) => usage.recordUrgent(record)) : null;
  ctx.onCanary = canaries?.seen;
  const local = createLocalVerify(feed, ctx, checked.stalenessMs, options.issuer);
  const verify = local.verify;
  return {
    name: options.name,
    instance,
    stalenessMs: checked.stalenessMs,
    verify,
    async authenticate(token, verifyOptions) {
      const result = verify(token, verifyOptions);
      if (result.ok || result.reason !== "stale" || introspect === null || typeof token !== "string") return result;
      if (token.length === 0 || token.length > 8192) return rejection("malformed");
      return introspect(token, verifyOptions);
    },
    recordUsage(record, token) {
      if (!usage || !canaries) return;
      const classified = canaries.classify(attributed(feed, record, token), token);
      if (classified.outcome === "canary") usage.recordUrgent(classified);
      else usage.record(classified);
    },
    ready: (timeoutMs = 30_000) => waitReady(feed, timeoutMs),
    status: () => statusOf(feed, usage),
    async close() {
      stopFeedTimers();
      local.stop();
      await feed.close();
      if (usage) {
        usage.stop();
        await usage.flush().catch(() => undefined);
      }
    },
  };
}
