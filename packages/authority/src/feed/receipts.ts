/**
 * Revocation receipts: which verifiers had applied a revocation's sequence, and when.
 *
 * The targets are the verifiers live when the receipt is made (any instance, from the shared
 * `verifiers` table). A target is confirmed once its applied sequence reaches the
 * revocation's; its confirmation time is when that ack reached an authority instance. The
 * instance that made a receipt keeps tracking it for a while (`TRACK_MS`, or the wait if longer)
 * and persists every change, so `GET /v1/receipts/:id` shows late confirmations too.
 */
import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import { notFound } from "../errors.js";
import type { VerifierRegistry } from "./registry.js";
import type { FeedSchema, ReceiptsTable, VerifiersTable } from "./schema.js";

/** The longest `?wait=` a revoke request may ask for. */
export const MAX_RECEIPT_WAIT_MS = 30_000;
/** How long a receipt keeps collecting confirmations after it was made, whatever the wait. */
const TRACK_MS = 30_000;
const POLL_MS = 250;

export interface ReceiptTarget {
  id: string;
  name: string;
  stalenessMs: number;
}

/** What a receipt says. See docs/receipts.md for what it proves and what it does not. */
export interface Receipt {
  id: string;
  sequence: number;
  revokedAt: string;
  verifiers: { confirmed: number; total: number };
  /** From the revocation's commit to the last confirming ack; null when none confirmed. */
  slowestConfirmationMs: number | null;
  /** Names of the target verifiers that have not confirmed (yet). */
  pending: string[];
  /** Every target stops trusting its replica by then at the latest: revokedAt + the largest staleness bound. */
  failClosedDeadline: string | null;
  /** True when every target confirmed. */
  complete: boolean;
}

interface Tracked {
  row: ReceiptsTable;
  targets: ReceiptTarget[];
  confirmations: Record<string, number>;
  until: number;
  waiters: Array<() => void>;
}

export interface ReceiptOptions {
  db: Kysely<FeedSchema>;
  registry: VerifierRegistry;
  now(): number;
  onConfirmation(seconds: number): void;
  onError(error: unknown): void;
}

function receiptId(): string {
  return `rct_${randomBytes(15).toString("base64url").replace(/[-_]/g, "x")}`;
}

export function toReceipt(
  row: ReceiptsTable,
  targets: ReceiptTarget[] = JSON.parse(row.targets),
  confirmations: Record<string, number> = JSON.parse(row.confirmations),
): Receipt {
  const confirmed = targets.filter((t) => confirmations[t.id] !== undefined);
  const times = confirmed.map((t) => (confirmations[t.id] as number) - row.revoked_at);
  const maxStaleness = Math.max(0, ...targets.map((t) => t.stalenessMs));
  return {
    id: row.id,
    sequence: row.sequence,
    revokedAt: new Date(row.revoked_at).toISOString(),
    verifiers: { confirmed: confirmed.length, total: targets.length },
    slowestConfirmationMs: times.length > 0 ? Math.max(0, ...times) : null,
    pending: targets.filter((t) => confirmations[t.id] === undefined).map((t) => t.name),
    failClosedDeadline: targets.length > 0 ? new Date(row.revoked_at + maxStaleness).toISOString() : null,
    complete: confirmed.length === targets.length,
  };
}

/** Receipts this instance tracks, and its poll. */
interface ReceiptState {
  readonly options: ReceiptOptions;
  readonly tracked: Map<string, Tracked>;
  timer: NodeJS.Timeout | undefined;
  refreshing: boolean;
  again: boolean;
}

async function persist(state: ReceiptState, entry: Tracked, completed: boolean): Promise<void> {
  const { db, now } = state.options;
  entry.row.confirmations = JSON.stringify(entry.confirmations);
  entry.row.updated_at = now();
  if (completed) entry.row.completed_at = now();
  await db
    .updateTable("receipts")
    .set({
      confirmations: entry.row.confirmations,
      updated_at: entry.row.updated_at,
      completed_at: entry.row.completed_at,
    })
    .where("id", "=", entry.row.id)
    .execute();
}

/** Records the targets of `entry` whose row shows the revocation applied; true if any was new. */
function confirmTargets(
  state: ReceiptState,
  entry: Tracked,
  rows: ReadonlyMap<string, VerifiersTable>,
  at: number,
): boolean {
  let changed = false;
  for (const target of entry.targets) {
    if (entry.confirmations[target.id] !== undefined) continue;
    const row = rows.get(target.id);
    if (row && row.applied_seq >= entry.row.sequence) {
      const confirmedAt = Math.max(row.applied_at ?? at, entry.row.revoked_at);
      entry.confirmations[target.id] = confirmedAt;
      state.options.onConfirmation((confirmedAt - entry.row.revoked_at) / 1000);
      changed = true;
    }
  }
  return changed;
}

/** One round: every tracked receipt's targets re-read, new confirmations persisted, finished ones let go. */
async function refreshRound(state: ReceiptState): Promise<void> {
  const { tracked } = state;
  const ids = new Set<string>();
  for (const entry of tracked.values()) for (const t of entry.targets) ids.add(t.id);
  const rows = new Map((await state.options.registry.rows([...ids])).map((r) => [r.id, r]));
  const at = state.options.now();
  for (const entry of [...tracked.values()]) {
    const changed = confirmTargets(state, entry, rows, at);
    const complete = Object.keys(entry.confirmations).length === entry.targets.length;
    const expired = at >= entry.until;
    if (changed || complete || expired) await persist(state, entry, complete);
    if (complete || expired) {
      tracked.delete(entry.row.id);
      for (const wake of entry.waiters.splice(0)) wake();
    }
  }
}

/** Re-reads the targets of every tracked receipt and records new confirmations. */
async function refresh(state: ReceiptState): Promise<void> {
  if (state.refreshing) {
    state.again = true;
    return;
  }
  state.refreshing = true;
  try {
    do {
      state.again = false;
      if (state.tracked.size === 0) break;
      await refreshRound(state);
    } while (state.again);
  } catch (error) {
    state.options.onError(error);
  } finally {
    state.refreshing = false;
    if (state.tracked.size === 0 && state.timer) {
      clearInterval(state.timer);
      state.timer = undefined;
    }
  }
}

/** The receipt's row as made: its targets are the verifiers live now, some perhaps already there. */
async function newReceiptRow(state: ReceiptState, sequence: number, actorId: string) {
  const { db, registry, now } = state.options;
  const change = await db.selectFrom("change_log").select("at").where("seq", "=", sequence).executeTakeFirst();
  const revokedAt = change ? Number(change.at) : now();
  const live = await registry.live();
  const targets: ReceiptTarget[] = live.map((v) => ({ id: v.id, name: v.name, stalenessMs: v.staleness_ms }));
  const confirmations: Record<string, number> = {};
  for (const v of live) {
    if (v.applied_seq >= sequence) confirmations[v.id] = Math.max(v.applied_at ?? now(), revokedAt);
  }
  const at = now();
  const complete = Object.keys(confirmations).length === targets.length;
  const row: ReceiptsTable = {
    id: receiptId(),
    sequence,
    revoked_at: revokedAt,
    created_at: at,
    created_by: actorId,
    targets: JSON.stringify(targets),
    confirmations: JSON.stringify(confirmations),
    completed_at: complete ? at : null,
    updated_at: at,
  };
  return { row, targets, confirmations, complete, at };
}

async function create(state: ReceiptState, sequence: number, actorId: string, trackMs: number): Promise<Tracked> {
  const { row, targets, confirmations, complete, at } = await newReceiptRow(state, sequence, actorId);
  await state.options.db.insertInto("receipts").values(row).execute();
  const entry: Tracked = { row, targets, confirmations, until: at + trackMs, waiters: [] };
  if (!complete) {
    state.tracked.set(row.id, entry);
    state.timer ??= setInterval(() => void refresh(state), POLL_MS);
    state.timer.unref();
  }
  return entry;
}

/**
 * Makes the receipt of the revocation at `sequence` and answers when every live verifier has
 * applied it or `waitMs` has passed, whichever comes first. Callable by any revoke path
 * (`POST /oauth/revoke` included).
 */
async function awaitReceipt(state: ReceiptState, sequence: number, waitMs: number, actorId: string): Promise<Receipt> {
  const wait = Math.max(0, Math.min(waitMs, MAX_RECEIPT_WAIT_MS));
  const entry = await create(state, sequence, actorId, Math.max(TRACK_MS, wait));
  if (wait > 0 && state.tracked.has(entry.row.id)) {
    await new Promise<void>((resolve) => {
      const timeout = setTimeout(resolve, wait);
      entry.waiters.push(() => {
        clearTimeout(timeout);
        resolve();
      });
      void refresh(state);
    });
  }
  return toReceipt(entry.row, entry.targets, entry.confirmations);
}

async function getReceipt(state: ReceiptState, id: string): Promise<Receipt> {
  const live = state.tracked.get(id);
  if (live) return toReceipt(live.row, live.targets, live.confirmations);
  const row = await state.options.db.selectFrom("receipts").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw notFound("receipt", id);
  return toReceipt({ ...row, sequence: Number(row.sequence), revoked_at: Number(row.revoked_at) });
}

/** The newest receipts first (the dashboard's time-to-revoke); tracked ones with their live state. */
async function recentReceipts(state: ReceiptState, limit: number): Promise<Receipt[]> {
  const rows = await state.options.db
    .selectFrom("receipts")
    .selectAll()
    .orderBy("sequence", "desc")
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
  return rows.map((row) => {
    const live = state.tracked.get(row.id);
    if (live) return toReceipt(live.row, live.targets, live.confirmations);
    return toReceipt({ ...row, sequence: Number(row.sequence), revoked_at: Number(row.revoked_at) });
  });
}

function closeReceipts(state: ReceiptState): void {
  if (state.timer) clearInterval(state.timer);
  state.timer = undefined;
  for (const entry of state.tracked.values()) for (const wake of entry.waiters.splice(0)) wake();
  state.tracked.clear();
}

export function createReceiptService(options: ReceiptOptions) {
  const state: ReceiptState = { options, tracked: new Map(), timer: undefined, refreshing: false, again: false };
  return {
    awaitReceipt: (sequence: number, waitMs: number, actorId = "system") =>
      awaitReceipt(state, sequence, waitMs, actorId),
    get: (id: string) => getReceipt(state, id),
    recent: (limit: number) => recentReceipts(state, limit),
    /** Called when verifier rows changed (local ack flush, or NOTIFY from another instance). */
    refresh: () => void refresh(state),
    trackedCount: () => state.tracked.size,
    close: () => closeReceipts(state),
  };
}

export type ReceiptService = ReturnType<typeof createReceiptService>;
