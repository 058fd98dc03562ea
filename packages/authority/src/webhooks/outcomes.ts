/**
 * Writing attempt outcomes: each attempt and its delivery's new state (retry with backoff,
 * delivered, failed, cancelled), if this instance still holds the lease. Outcomes are written in
 * batches: while one batch commits, the next collects. Under load this turns many small
 * transactions (an fsync each on SQLite) into a few.
 */
import type { Kysely } from "kysely";
import type { Clock } from "../clock.js";
import type { DeliveryStatus, Schema } from "../db/schema.js";
import { runUnitOfWork, type UnitOfWork } from "../db/transaction.js";
import { retryDelay } from "./backoff.js";
import { SECRET_EVENT_TYPE } from "./events.js";
import type { Claimed } from "./lease.js";
import type { AttemptOutcome } from "./send.js";

/** Most attempt outcomes written in one transaction. */
const OUTCOME_BATCH = 100;
export const WEBHOOK_ACTOR = "system:webhooks";

/** An outcome as counted once committed. */
export type CommittedOutcome = "delivered" | "retrying" | "failed";

interface Outcome {
  row: Claimed;
  outcome: AttemptOutcome;
  /** The delivery is cancelled without an attempt (endpoint disabled, secret gone). */
  cancel: boolean;
  resolve(): void;
  reject(error: unknown): void;
}

/** The audit record of a delivery given up on, or of a distributed secret's last attempt. */
async function auditFinalState(
  unit: UnitOfWork,
  row: Claimed,
  status: DeliveryStatus,
  attempts: number,
  outcome: AttemptOutcome,
): Promise<void> {
  const secret = row.event_type === SECRET_EVENT_TYPE;
  if (status !== "failed" && !(secret && status !== "pending")) return;
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

/** Writes the attempt and the delivery's new state, if this instance still holds the lease. */
async function recordOne(unit: UnitOfWork, item: Outcome, random: () => number): Promise<DeliveryStatus | null> {
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
  const attempted = {
    attempts,
    last_attempt_at: unit.now,
    last_status_code: outcome.statusCode,
    delivered_at: ok ? unit.now : null,
  };
  await unit.trx
    .updateTable("webhook_deliveries")
    .set(cancel ? common : { ...common, ...attempted })
    .where("id", "=", row.id)
    .execute();
  await auditFinalState(unit, row, status, attempts, outcome);
  return status;
}

export interface OutcomeWriterOptions {
  db: Kysely<Schema>;
  clock: Clock;
  random: () => number;
  /** Called with each outcome once its batch committed. */
  onCommitted: (outcome: CommittedOutcome) => void;
}

/** Queues outcomes and writes them in batches, one transaction at a time. */
export class OutcomeWriter {
  readonly #options: OutcomeWriterOptions;
  readonly #queue: Outcome[] = [];
  #flushScheduled = false;
  #flushChain: Promise<void> = Promise.resolve();

  constructor(options: OutcomeWriterOptions) {
    this.#options = options;
  }

  /** Resolves once the outcome is committed; rejects if its batch failed (the lease then lapses). */
  record(row: Claimed, outcome: AttemptOutcome, cancel: boolean): Promise<void> {
    const written = new Promise<void>((resolve, reject) => this.#queue.push({ row, outcome, cancel, resolve, reject }));
    this.#scheduleFlush();
    return written;
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    this.#flushChain = this.#flushChain.then(() => this.#flush());
  }

  async #flush(): Promise<void> {
    this.#flushScheduled = false;
    const batch = this.#queue.splice(0, OUTCOME_BATCH);
    if (this.#queue.length > 0) this.#scheduleFlush();
    const { db, clock, random, onCommitted } = this.#options;
    try {
      const statuses = await runUnitOfWork({ db, clock, commitListener: undefined }, async (unit) => {
        const out: Array<DeliveryStatus | null> = [];
        for (const item of batch) out.push(await recordOne(unit, item, random));
        return out;
      });
      for (const status of statuses) {
        const result = status === "pending" ? "retrying" : status;
        if (result === null || result === "cancelled") continue;
        onCommitted(result);
      }
      for (const item of batch) item.resolve();
    } catch (error) {
      // The claims lapse and the deliveries are tried again: an attempt is never lost.
      for (const item of batch) item.reject(error);
    }
  }
}
