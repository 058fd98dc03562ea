/**
 * Delivers what the outbox holds. Each round: tail the change log into deliveries, lease due
 * deliveries (lease.ts), POST each signed (request.ts, send.ts), record every attempt and
 * schedule retries with backoff (outcomes.ts).
 *
 * This file is the pump: it keeps up to `webhookConcurrency` attempts in flight (at most
 * PER_ENDPOINT per endpoint, each bounded by `webhookTimeoutMs`), so a slow endpoint does not
 * hold up the others, and refills the free slots as attempts finish or the poll timer fires.
 */
import type { Kysely } from "kysely";
import type { Clock } from "../clock.js";
import type { TesseraConfig } from "../config.js";
import type { Schema } from "../db/schema.js";
import { parseAllowList } from "../domain/address-policy.js";
import { inSpan } from "../tracing.js";
import { MAX_ATTEMPTS } from "./backoff.js";
import { type Claimed, leaseDue, PER_ENDPOINT } from "./lease.js";
import { tailChangeLog } from "./outbox.js";
import { type CommittedOutcome, OutcomeWriter, WEBHOOK_ACTOR } from "./outcomes.js";
import { cancellation, signedRequest } from "./request.js";
import { createSender, type SendAttempt } from "./send.js";

const TAIL_BATCH = 500;

export interface DispatcherOptions {
  db: Kysely<Schema>;
  clock: Clock;
  config: TesseraConfig;
  /** Source of jitter, in [0, 1). */
  random?: () => number;
  /** The HTTP attempt; tests may wrap it. */
  send?: SendAttempt;
  onError?: (error: unknown) => void;
}

export interface RoundResult {
  /** Deliveries created from the change log in this round. */
  enqueued: number;
  attempted: number;
  delivered: number;
  retrying: number;
  failed: number;
}

/** The pump's moving parts, shared by the named steps below. */
interface Pump {
  db: Kysely<Schema>;
  clock: Clock;
  config: TesseraConfig;
  send: NonNullable<DispatcherOptions["send"]>;
  onError: (error: unknown) => void;
  writer: OutcomeWriter;
  outcomeListeners: Set<(outcome: CommittedOutcome) => void>;
  inFlightByEndpoint: Map<string, number>;
  running: Set<Promise<void>>;
  tally: RoundResult;
  timer: NodeJS.Timeout | null;
  stopped: boolean;
  pumping: Promise<void> | null;
}

function emptyTally(): RoundResult {
  return { enqueued: 0, attempted: 0, delivered: 0, retrying: 0, failed: 0 };
}

/** Turns every change so far into deliveries (bounded, in batches). */
async function tailAll(p: Pump): Promise<number> {
  let enqueued = 0;
  for (let round = 0; round < 100; round++) {
    const result = await tailChangeLog(p.db, () => p.clock.now(), TAIL_BATCH);
    enqueued += result.deliveries;
    if (!result.more) break;
  }
  return enqueued;
}

async function attempt(p: Pump, row: Claimed): Promise<void> {
  const cancelled = cancellation(row);
  if (cancelled) return p.writer.record(row, cancelled, true);
  const { headers, body } = signedRequest(
    p.config.masterKey,
    row,
    () => p.clock.now(),
    p.config.webhookLegacySignature,
  );
  const attributes = {
    "tessera.webhook.id": row.endpoint_id,
    "tessera.webhook.delivery_id": row.id,
    "tessera.event.type": row.event_type,
  };
  const outcome = await inSpan("tessera.webhook.deliver", attributes, async (span) => {
    const result = await p.send(row.url, headers, body, p.config.webhookTimeoutMs);
    span.setAttribute("http.response.status_code", result.statusCode ?? 0);
    return result;
  });
  p.tally.attempted++;
  await p.writer.record(row, outcome, false);
}

function launch(p: Pump, row: Claimed): void {
  p.inFlightByEndpoint.set(row.endpoint_id, (p.inFlightByEndpoint.get(row.endpoint_id) ?? 0) + 1);
  const task = attempt(p, row)
    .catch(p.onError)
    .finally(() => {
      const n = (p.inFlightByEndpoint.get(row.endpoint_id) ?? 1) - 1;
      if (n <= 0) p.inFlightByEndpoint.delete(row.endpoint_id);
      else p.inFlightByEndpoint.set(row.endpoint_id, n);
      p.running.delete(task);
      if (!p.stopped) void pump(p);
    });
  p.running.add(task);
}

/** Leases as many due deliveries as there are free slots and starts them (does not wait). */
async function fill(p: Pump): Promise<number> {
  // Claim in batches (half the slots at least) rather than one transaction per freed slot.
  const { webhookConcurrency } = p.config;
  const free = webhookConcurrency - p.running.size;
  if (p.running.size > 0 && free < Math.max(1, Math.floor(webhookConcurrency / 2))) return 0;
  const rows = await leaseDue(p.db, p.clock, {
    limit: free,
    inFlightByEndpoint: p.inFlightByEndpoint,
    timeoutMs: p.config.webhookTimeoutMs,
  });
  for (const row of rows) launch(p, row);
  return rows.length;
}

/** One background step: tail, then fill the free slots. Never runs twice at once. */
function pump(p: Pump): Promise<void> {
  if (p.pumping) return p.pumping;
  p.pumping = (async () => {
    try {
      p.tally.enqueued += await tailAll(p);
      await fill(p);
    } catch (error) {
      p.onError(error);
    } finally {
      p.pumping = null;
    }
  })();
  return p.pumping;
}

/**
 * One full round, awaited: every change so far becomes deliveries and every delivery due now
 * is attempted once (retries are due later). For tests and for `tessera` commands.
 */
async function runOnce(p: Pump): Promise<RoundResult> {
  p.tally = emptyTally();
  p.tally.enqueued += await tailAll(p);
  for (let round = 0; round < 1000; round++) {
    const started = await fill(p);
    if (started === 0 && p.running.size === 0) break;
    if (p.running.size > 0) await Promise.race(p.running);
  }
  const result = p.tally;
  p.tally = emptyTally();
  return result;
}

function schedule(p: Pump): void {
  if (p.stopped) return;
  p.timer = setTimeout(() => {
    void pump(p).finally(() => schedule(p));
  }, p.config.webhookPollIntervalMs);
  p.timer.unref();
}

async function stop(p: Pump): Promise<void> {
  p.stopped = true;
  if (p.timer) clearTimeout(p.timer);
  p.timer = null;
  if (p.pumping) await p.pumping;
  await Promise.allSettled([...p.running]);
}

export function createDispatcher(options: DispatcherOptions) {
  const { db, clock, config } = options;
  const random = options.random ?? Math.random;
  const send = options.send ?? createSender(parseAllowList(config.webhookAllowHosts));
  const onError = options.onError ?? (() => {});
  const outcomeListeners = new Set<(outcome: CommittedOutcome) => void>();
  const p: Pump = {
    db,
    clock,
    config,
    send,
    onError,
    outcomeListeners,
    writer: new OutcomeWriter({
      db,
      clock,
      random,
      // Counted once committed.
      onCommitted: (outcome) => {
        p.tally[outcome]++;
        for (const listener of outcomeListeners) listener(outcome);
      },
    }),
    inFlightByEndpoint: new Map(),
    running: new Set(),
    tally: emptyTally(),
    timer: null,
    stopped: true,
    pumping: null,
  };
  return {
    runOnce: () => runOnce(p),
    /** Calls `listener` with the outcome of every recorded attempt (for metrics). */
    onOutcome(listener: (outcome: CommittedOutcome) => void): void {
      outcomeListeners.add(listener);
    },
    /** Starts polling every `webhookPollIntervalMs` (the server does this). */
    start(): void {
      if (!p.stopped) return;
      p.stopped = false;
      void pump(p).finally(() => schedule(p));
    },
    /** Looks for work now instead of at the next poll. */
    wake(): void {
      if (!p.stopped) void pump(p);
    },
    /** Stops polling and waits for attempts in flight (each bounded by the timeout). */
    stop: () => stop(p),
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;

export { MAX_ATTEMPTS, PER_ENDPOINT, WEBHOOK_ACTOR };
