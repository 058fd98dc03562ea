/**
 * The lease: which due deliveries this instance attempts next.
 *
 * Due rows are selected `FOR UPDATE SKIP LOCKED` on PostgreSQL (one writer on SQLite) and
 * leased by pushing `next_attempt_at` past the attempt's timeout with a fresh `lease_id`, in
 * one short transaction. Another instance therefore neither sees them as due nor records an
 * outcome for them; if this instance dies mid-attempt, the lease lapses and the delivery is
 * tried again (receivers de-duplicate on `Tessera-Event-Id`).
 */
import { randomUUID } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Clock } from "../clock.js";
import { isPostgres, takeSqliteWriteLock } from "../db/dialect.js";
import type { Schema, WebhookDeliveriesTable, WebhookEndpointsTable } from "../db/schema.js";

/** Most attempts in flight to one endpoint. */
export const PER_ENDPOINT = 2;
const CLAIM_SCAN = 200;
/** A claim outlives the attempt's timeout by this much before another instance may retry it. */
const LEASE_MARGIN_MS = 60_000;

/** A leased delivery with what an attempt needs of its endpoint. */
export type Claimed = WebhookDeliveriesTable & { lease_id: string } & Pick<
    WebhookEndpointsTable,
    "url" | "previous_secret_enc" | "previous_secret_until"
  > & { endpoint_status: WebhookEndpointsTable["status"]; endpoint_secret_enc: string };

export interface LeaseRequest {
  /** Most deliveries to claim. */
  limit: number;
  /** Attempts this instance already has in flight, by endpoint id (not changed). */
  inFlightByEndpoint: ReadonlyMap<string, number>;
  /** How long an attempt may take: the lease lasts this plus a margin. */
  timeoutMs: number;
}

/** Ids of due deliveries, oldest first, at most PER_ENDPOINT in flight per endpoint. */
async function pickDue(
  db: Kysely<Schema>,
  trx: Transaction<Schema>,
  now: number,
  request: LeaseRequest,
): Promise<string[]> {
  const counts = new Map(request.inFlightByEndpoint);
  const picked: string[] = [];
  // Endpoints at their cap are left out of the next scan, so one endpoint with a large
  // backlog cannot fill the scan window and starve the others.
  for (let scan = 0; scan < 5 && picked.length < request.limit; scan++) {
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
      if (picked.length >= request.limit) break;
      const n = counts.get(row.endpoint_id) ?? 0;
      if (n >= PER_ENDPOINT) continue;
      counts.set(row.endpoint_id, n + 1);
      picked.push(row.id);
    }
    if (due.length < CLAIM_SCAN) break;
  }
  return picked;
}

async function anyDue(db: Kysely<Schema>, now: number): Promise<boolean> {
  const row = await db
    .selectFrom("webhook_deliveries")
    .select("id")
    .where("status", "=", "pending")
    .where("next_attempt_at", "<=", now)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Claims up to `limit` due deliveries, leaving endpoints that are at their in-flight cap. */
export async function leaseDue(db: Kysely<Schema>, clock: Clock, request: LeaseRequest): Promise<Claimed[]> {
  if (request.limit <= 0) return [];
  if (!(await anyDue(db, clock.now()))) return [];
  return db.transaction().execute(async (trx) => {
    const now = clock.now();
    if (!isPostgres(db)) await takeSqliteWriteLock(trx);
    const picked = await pickDue(db, trx, now, request);
    if (picked.length === 0) return [];
    const leaseId = randomUUID();
    await trx
      .updateTable("webhook_deliveries")
      .set({ lease_id: leaseId, next_attempt_at: now + request.timeoutMs + LEASE_MARGIN_MS })
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
