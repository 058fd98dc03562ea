/**
 * Delivers what the outbox holds. Each round: tail the change log into deliveries, claim due
 * deliveries, POST each signed, record every attempt, schedule retries with backoff.
 *
 * Claiming: due rows are selected `FOR UPDATE SKIP LOCKED` on PostgreSQL (one writer on
 * SQLite) and leased by pushing `next_attempt_at` past the attempt's timeout with a fresh
 * `lease_id`, in one short transaction. Another instance therefore neither sees them as due
 * nor records an outcome for them; if this instance dies mid-attempt, the lease lapses and the
 * delivery is tried again (receivers de-duplicate on `Tessera-Event-Id`).
 *
 * A slow endpoint does not hold up the others: attempts run concurrently (`webhookConcurrency`
 * in all, at most PER_ENDPOINT per endpoint), each bounded by `webhookTimeoutMs`.
 */
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Clock } from "../clock.js";
import type { TesseraConfig } from "../config.js";
import type { Schema } from "../db/schema.js";
import { runUnitOfWork, type UnitOfWork } from "../db/transaction.js";
import { iso } from "../domain/keys.js";
import { parseAllowList } from "./address-policy.js";
import { MAX_ATTEMPTS, retryDelay } from "./backoff.js";
import { SECRET_EVENT_TYPE } from "./events.js";
import { deliverySecretContext, endpointSecretContext } from "./ids.js";
import { isPostgres, tailChangeLog, takeSqliteWriteLock } from "./outbox.js";
import type { DeliveryStatus, WebhookDeliveriesTable, WebhookEndpointsTable } from "./schema.js";
import { type AttemptOutcome, createSender, type SendAttempt } from "./send.js";
import { SIGNATURE_HEADER, signatureHeader } from "./signature.js";

export const PER_ENDPOINT = 2;
const TAIL_BATCH = 500;
const CLAIM_SCAN = 200;
/** A claim outlives the attempt's timeout by this much before another instance may retry it. */
const LEASE_MARGIN_MS = 60_000;
/** Most attempt outcomes written in one transaction. */
const OUTCOME_BATCH = 100;
export const WEBHOOK_ACTOR = "system:webhooks";

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

interface Outcome {
  row: Claimed;
  outcome: AttemptOutcome;
  cancel: boolean;
  resolve(): void;
  reject(error: unknown): void;
}

type Claimed = WebhookDeliveriesTable & { lease_id: string } & Pick<
    WebhookEndpointsTable,
    "url" | "previous_secret_enc" | "previous_secret_until"
  > & { endpoint_status: WebhookEndpointsTable["status"]; endpoint_secret_enc: string };

export function createDispatcher(options: DispatcherOptions) {
  const { db, clock, config } = options;
  const random = options.random ?? Math.random;
  const send = options.send ?? createSender(parseAllowList(config.webhookAllowHosts));
  const onError = options.onError ?? (() => {});
  const outcomeListeners = new Set<(status: "delivered" | "retrying" | "failed") => void>();
  const inFlightByEndpoint = new Map<string, number>();
  const running = new Set<Promise<void>>();
  let tally: RoundResult = emptyTally();
  let timer: NodeJS.Timeout | null = null;
  let stopped = true;
  let pumping: Promise<void> | null = null;

  function emptyTally(): RoundResult {
    return { enqueued: 0, attempted: 0, delivered: 0, retrying: 0, failed: 0 };
  }

  async function tailAll(): Promise<number> {
    let enqueued = 0;
    for (let round = 0; round < 100; round++) {
      const result = await tailChangeLog(db, () => clock.now(), TAIL_BATCH);
      enqueued += result.deliveries;
      if (!result.more) break;
    }
    return enqueued;
  }

  /** Claims up to `limit` due deliveries, leaving endpoints that are at their in-flight cap. */
  async function claim(limit: number): Promise<Claimed[]> {
    if (limit <= 0) return [];
    const anyDue = await db
      .selectFrom("webhook_deliveries")
      .select("id")
      .where("status", "=", "pending")
      .where("next_attempt_at", "<=", clock.now())
      .limit(1)
      .executeTakeFirst();
    if (!anyDue) return [];
    return db.transaction().execute(async (trx) => {
      const now = clock.now();
      if (!isPostgres(db)) await takeSqliteWriteLock(trx);
      const counts = new Map(inFlightByEndpoint);
      const picked: string[] = [];
      // Endpoints at their cap are left out of the next scan, so one endpoint with a large
      // backlog cannot fill the scan window and starve the others.
      for (let scan = 0; scan < 5 && picked.length < limit; scan++) {
        const capped = [...counts].filter(([, n]) => n >= PER_ENDPOINT).map(([id]) => id);
        let query = trx
          .selectFrom("webhook_deliveries")
          .select(["id", "endpoint_id"])
          .where("status", "=", "pending")
          .where("next_attempt_at", "<=", now)
          .orderBy("next_attempt_at")
          .orderBy("change_seq")
          .orderBy("id")
          .limit(CLAIM_SCAN);
        if (capped.length > 0) query = query.where("endpoint_id", "not in", capped);
        if (picked.length > 0) query = query.where("id", "not in", picked);
        if (isPostgres(db)) query = query.forUpdate().skipLocked();
        const due = await query.execute();
        for (const row of due) {
          if (picked.length >= limit) break;
          const n = counts.get(row.endpoint_id) ?? 0;
          if (n >= PER_ENDPOINT) continue;
          counts.set(row.endpoint_id, n + 1);
          picked.push(row.id);
        }
        if (due.length < CLAIM_SCAN) break;
      }
      if (picked.length === 0) return [];
      const leaseId = randomUUID();
      await trx
        .updateTable("webhook_deliveries")
        .set({ lease_id: leaseId, next_attempt_at: now + config.webhookTimeoutMs + LEASE_MARGIN_MS })
        .where("id", "in", picked)
        .execute();
      const rows = await trx
        .selectFrom("webhook_deliveries as d")
        .innerJoin("webhook_endpoints as e", "e.id", "d.endpoint_id")
        .selectAll("d")
        .select(["e.url", "e.previous_secret_enc", "e.previous_secret_until"])
        .select(["e.status as endpoint_status", "e.secret_enc as endpoint_secret_enc"])
        .where("d.id", "in", picked)
        .execute();
      return rows as Claimed[];
    });
  }

  function signingSecrets(row: Claimed, now: number): string[] {
    const { masterKey } = config;
    const context = endpointSecretContext(row.endpoint_id);
    const secrets = [masterKey.decrypt(row.endpoint_secret_enc, context).toString("utf8")];
    if (row.previous_secret_enc !== null && row.previous_secret_until !== null && row.previous_secret_until > now) {
      secrets.push(masterKey.decrypt(row.previous_secret_enc, context).toString("utf8"));
    }
    return secrets;
  }

  /** The exact bytes sent: `{ id, type, createdAt, data }`, the secret added only in flight. */
  function bodyOf(row: Claimed): string {
    const data = JSON.parse(row.data) as Record<string, unknown>;
    if (row.event_type === SECRET_EVENT_TYPE && row.secret_enc !== null) {
      data.secret = config.masterKey.decrypt(row.secret_enc, deliverySecretContext(row.id)).toString("utf8");
    }
    return JSON.stringify({ id: row.event_id, type: row.event_type, createdAt: iso(row.event_at), data });
  }

  async function attempt(row: Claimed): Promise<void> {
    let outcome: AttemptOutcome;
    if (row.endpoint_status !== "active") {
      outcome = { statusCode: null, error: "endpoint disabled", durationMs: 0 };
      await record(row, outcome, true);
      return;
    }
    if (row.event_type === SECRET_EVENT_TYPE && row.secret_enc === null) {
      // Already handed out or given up on: a secret is never sent twice.
      await record(row, { statusCode: null, error: "secret no longer held", durationMs: 0 }, true);
      return;
    }
    const body = bodyOf(row);
    const timestamp = Math.floor(clock.now() / 1000);
    const headers = {
      "content-type": "application/json",
      "user-agent": "Tessera-Webhooks/1",
      "tessera-event-id": row.event_id,
      "tessera-event-type": row.event_type,
      "tessera-delivery-id": row.id,
      [SIGNATURE_HEADER.toLowerCase()]: signatureHeader(signingSecrets(row, clock.now()), timestamp, body),
    };
    outcome = await send(row.url, headers, body, config.webhookTimeoutMs);
    tally.attempted++;
    await record(row, outcome, false);
  }

  /** Writes the attempt and the delivery's new state, if this instance still holds the lease. */
  async function recordOne(unit: UnitOfWork, item: Outcome): Promise<DeliveryStatus | null> {
    const { row, outcome, cancel } = item;
    const current = await unit.trx
      .selectFrom("webhook_deliveries")
      .select(["attempts", "lease_id", "status"])
      .where("id", "=", row.id)
      .executeTakeFirst();
    if (!current || current.lease_id !== row.lease_id || current.status !== "pending") return null;
    const ok = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
    const attempts = cancel ? current.attempts : current.attempts + 1;
    const delay = ok || cancel ? null : retryDelay(attempts, random);
    const status: DeliveryStatus = cancel ? "cancelled" : ok ? "delivered" : delay === null ? "failed" : "pending";
    if (!cancel) {
      await unit.trx
        .insertInto("webhook_delivery_attempts")
        .values({
          delivery_id: row.id,
          attempt: attempts,
          at: unit.now,
          duration_ms: outcome.durationMs,
          status_code: outcome.statusCode,
          error: outcome.error,
        })
        .execute();
    }
    const final = status !== "pending";
    const common = {
      status,
      lease_id: null,
      next_attempt_at: final ? null : unit.now + (delay as number),
      last_error: outcome.error,
      // A distributed secret is erased once handed out, or once there is no channel left for it.
      ...(final ? { secret_enc: null } : {}),
    };
    await unit.trx
      .updateTable("webhook_deliveries")
      .set(
        cancel
          ? common
          : {
              ...common,
              attempts,
              last_attempt_at: unit.now,
              last_status_code: outcome.statusCode,
              delivered_at: ok ? unit.now : null,
            },
      )
      .where("id", "=", row.id)
      .execute();
    const secret = row.event_type === SECRET_EVENT_TYPE;
    if (status === "failed" || (secret && final)) {
      await unit.appendAudit({
        actor: WEBHOOK_ACTOR,
        action: status === "delivered" ? "webhook.secret_delivered" : `webhook.delivery_${status}`,
        targetType: "webhook_delivery",
        targetId: row.id,
        data: {
          webhookId: row.endpoint_id,
          eventId: row.event_id,
          eventType: row.event_type,
          attempts,
          lastStatusCode: outcome.statusCode,
          lastError: outcome.error,
          ...(secret ? { secretErased: true } : {}),
        },
      });
    }
    return status;
  }

  /**
   * Outcomes are written in batches: while one batch commits, the next collects. Under load this
   * turns many small transactions (an fsync each on SQLite) into a few.
   */
  const outcomes: Outcome[] = [];
  let flushScheduled = false;
  let flushChain: Promise<void> = Promise.resolve();

  function record(row: Claimed, outcome: AttemptOutcome, cancel: boolean): Promise<void> {
    const written = new Promise<void>((resolve, reject) => outcomes.push({ row, outcome, cancel, resolve, reject }));
    if (!flushScheduled) {
      flushScheduled = true;
      flushChain = flushChain.then(flushOutcomes);
    }
    return written;
  }

  async function flushOutcomes(): Promise<void> {
    flushScheduled = false;
    const batch = outcomes.splice(0, OUTCOME_BATCH);
    if (outcomes.length > 0) {
      flushScheduled = true;
      flushChain = flushChain.then(flushOutcomes);
    }
    try {
      const statuses = await runUnitOfWork(db, clock, async (unit) => {
        const out: Array<DeliveryStatus | null> = [];
        for (const item of batch) out.push(await recordOne(unit, item));
        return out;
      });
      // Counted once committed.
      for (const status of statuses) {
        const result = status === "pending" ? "retrying" : status;
        if (result === null || result === "cancelled") continue;
        tally[result]++;
        for (const listener of outcomeListeners) listener(result);
      }
      for (const item of batch) item.resolve();
    } catch (error) {
      // The claims lapse and the deliveries are tried again: an attempt is never lost.
      for (const item of batch) item.reject(error);
    }
  }

  function launch(row: Claimed): void {
    inFlightByEndpoint.set(row.endpoint_id, (inFlightByEndpoint.get(row.endpoint_id) ?? 0) + 1);
    const task = attempt(row)
      .catch(onError)
      .finally(() => {
        const n = (inFlightByEndpoint.get(row.endpoint_id) ?? 1) - 1;
        if (n <= 0) inFlightByEndpoint.delete(row.endpoint_id);
        else inFlightByEndpoint.set(row.endpoint_id, n);
        running.delete(task);
        if (!stopped) void pump();
      });
    running.add(task);
  }

  /** Claims as many due deliveries as there are free slots and starts them (does not wait). */
  async function fill(): Promise<number> {
    // Claim in batches (half the slots at least) rather than one transaction per freed slot.
    const free = config.webhookConcurrency - running.size;
    if (running.size > 0 && free < Math.max(1, Math.floor(config.webhookConcurrency / 2))) return 0;
    const rows = await claim(free);
    for (const row of rows) launch(row);
    return rows.length;
  }

  /** One background step: tail, then fill the free slots. Never runs twice at once. */
  function pump(): Promise<void> {
    if (pumping) return pumping;
    pumping = (async () => {
      try {
        tally.enqueued += await tailAll();
        await fill();
      } catch (error) {
        onError(error);
      } finally {
        pumping = null;
      }
    })();
    return pumping;
  }

  /**
   * One full round, awaited: every change so far becomes deliveries and every delivery due now
   * is attempted once (retries are due later). For tests and for `tessera` commands.
   */
  async function runOnce(): Promise<RoundResult> {
    tally = emptyTally();
    tally.enqueued += await tailAll();
    for (let round = 0; round < 1000; round++) {
      const started = await fill();
      if (started === 0 && running.size === 0) break;
      if (running.size > 0) await Promise.race(running);
    }
    const result = tally;
    tally = emptyTally();
    return result;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      void pump().finally(schedule);
    }, config.webhookPollIntervalMs);
    timer.unref();
  }

  return {
    runOnce,
    /** Calls `listener` with the outcome of every recorded attempt (for metrics). */
    onOutcome(listener: (outcome: "delivered" | "retrying" | "failed") => void): void {
      outcomeListeners.add(listener);
    },
    /** Starts polling every `webhookPollIntervalMs` (the server does this). */
    start(): void {
      if (!stopped) return;
      stopped = false;
      void pump().finally(schedule);
    },
    /** Looks for work now instead of at the next poll. */
    wake(): void {
      if (!stopped) void pump();
    },
    /** Stops polling and waits for attempts in flight (each bounded by the timeout). */
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      if (pumping) await pumping;
      await Promise.allSettled([...running]);
    },
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;

export { MAX_ATTEMPTS };
