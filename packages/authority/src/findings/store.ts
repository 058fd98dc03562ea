/**
 * Findings as rows: opened or updated (one open finding per dedupe key, so a repeated detection
 * updates it instead of raising another alert), listed, shown, acknowledged and resolved. Opening
 * writes the finding, its `finding.opened` audit record and a `finding.opened` change (which
 * webhooks deliver) in the caller's unit of work.
 */
import { sql } from "kysely";
import type { ServiceContext } from "../context.js";
import { type Page, pageNewestFirst } from "../db/pagination.js";
import type { FindingState, FindingsTable } from "../db/schema.js";
import { runUnitOfWork, type UnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { iso } from "../domain/keys.js";
import { notFound, TesseraError, validationFailed } from "../errors.js";
import { newId } from "../ids.js";
import type { DetectorId, Severity } from "./detectors.js";

export interface FindingDraft {
  detector: DetectorId;
  severity: Severity;
  dedupeKey: string;
  keyId: string | null;
  principalId: string | null;
  at: number;
  count: number;
  evidence: Record<string, unknown>;
  mode: string;
}

export interface FindingView {
  id: string;
  detector: string;
  severity: string;
  state: FindingState;
  keyId: string | null;
  principalId: string | null;
  window: { from: string; to: string };
  count: number;
  evidence: Record<string, unknown>;
  mode: string;
  action: string | null;
  actionSequence: number | null;
  actionReceipt: string | null;
  note: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toFindingView(row: FindingsTable): FindingView {
  return {
    id: row.id,
    detector: row.detector,
    severity: row.severity,
    state: row.state,
    keyId: row.key_id,
    principalId: row.principal_id,
    window: { from: iso(Number(row.first_at)) as string, to: iso(Number(row.last_at)) as string },
    count: Number(row.count),
    evidence: JSON.parse(row.evidence) as Record<string, unknown>,
    mode: row.mode,
    action: row.action,
    actionSequence: row.action_sequence === null ? null : Number(row.action_sequence),
    actionReceipt: row.action_receipt,
    note: row.note,
    acknowledgedAt: iso(row.acknowledged_at === null ? null : Number(row.acknowledged_at)),
    acknowledgedBy: row.acknowledged_by,
    resolvedAt: iso(row.resolved_at === null ? null : Number(row.resolved_at)),
    resolvedBy: row.resolved_by,
    createdAt: iso(Number(row.created_at)) as string,
    updatedAt: iso(Number(row.updated_at)) as string,
  };
}

function openWith(unit: UnitOfWork, dedupeKey: string): Promise<FindingsTable | undefined> {
  return unit.trx
    .selectFrom("findings")
    .selectAll()
    .where("dedupe_key", "=", dedupeKey)
    .where("state", "<>", "resolved")
    .executeTakeFirst();
}

/** A repeated detection: the open finding's window, count and latest evidence grow. */
async function addTo(unit: UnitOfWork, open: FindingsTable, draft: FindingDraft): Promise<FindingsTable> {
  const update = {
    last_at: Math.max(Number(open.last_at), draft.at),
    count: Number(open.count) + draft.count,
    evidence: JSON.stringify({ ...(JSON.parse(open.evidence) as object), latest: draft.evidence }),
    updated_at: unit.now,
  };
  await unit.trx.updateTable("findings").set(update).where("id", "=", open.id).execute();
  return { ...open, ...update };
}

function newRow(unit: UnitOfWork, draft: FindingDraft): FindingsTable {
  return {
    id: newId("finding"),
    detector: draft.detector,
    severity: draft.severity,
    state: "open",
    dedupe_key: draft.dedupeKey,
    key_id: draft.keyId,
    principal_id: draft.principalId,
    first_at: draft.at,
    last_at: draft.at,
    count: draft.count,
    evidence: JSON.stringify(draft.evidence),
    mode: draft.mode,
    action: null,
    action_sequence: null,
    action_receipt: null,
    note: null,
    acknowledged_at: null,
    acknowledged_by: null,
    resolved_at: null,
    resolved_by: null,
    created_at: unit.now,
    updated_at: unit.now,
  };
}

/** Opens a finding for `draft`, or adds to the open one with its dedupe key. */
export async function openOrUpdate(
  unit: UnitOfWork,
  draft: FindingDraft,
): Promise<{ row: FindingsTable; opened: boolean }> {
  const open = await openWith(unit, draft.dedupeKey);
  if (open) return { row: await addTo(unit, open, draft), opened: false };
  const row = newRow(unit, draft);
  // Another instance may open the same finding at the same moment: the partial unique index
  // keeps one, and this detection adds to it instead of failing the whole pass.
  const inserted = await unit.trx
    .insertInto("findings")
    .values(row)
    // The predicate is a literal: the index is matched by its text, not by a bound parameter.
    .onConflict((oc) => oc.column("dedupe_key").where("state", "<>", sql.lit("resolved")).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
    const winner = await openWith(unit, draft.dedupeKey);
    if (winner) return { row: await addTo(unit, winner, draft), opened: false };
  }
  const summary = {
    findingId: row.id,
    detector: row.detector,
    severity: row.severity,
    keyId: row.key_id,
    principalId: row.principal_id,
  };
  await unit.appendChange({ type: "finding.opened", data: { ...summary, evidence: draft.evidence } });
  await unit.appendAudit({
    actor: `detector:${draft.detector}`,
    action: "finding.opened",
    targetType: row.key_id ? "key" : "finding",
    targetId: row.key_id ?? row.id,
    reason: null,
    requestId: null,
    data: { ...summary, evidence: draft.evidence },
  });
  return { row, opened: true };
}

export interface FindingFilter {
  state?: FindingState | undefined;
  detector?: string | undefined;
  severity?: string | undefined;
  keyId?: string | undefined;
  principalId?: string | undefined;
  /** Epoch ms: findings seen (last_at) at or after it. */
  since?: number | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

export function listFindings(ctx: ServiceContext, filter: FindingFilter): Promise<Page<FindingView>> {
  let query = ctx.db.selectFrom("findings").selectAll();
  if (filter.state) query = query.where("state", "=", filter.state);
  if (filter.detector) query = query.where("detector", "=", filter.detector);
  if (filter.severity) query = query.where("severity", "=", filter.severity);
  if (filter.keyId) query = query.where("key_id", "=", filter.keyId);
  if (filter.principalId) query = query.where("principal_id", "=", filter.principalId);
  if (filter.since !== undefined) query = query.where("last_at", ">=", filter.since);
  return pageNewestFirst(query, filter, toFindingView);
}

export async function getFinding(ctx: ServiceContext, id: string): Promise<FindingView> {
  const row = await ctx.db.selectFrom("findings").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw notFound("finding", id);
  return toFindingView(row);
}

/** Acknowledges (`open` → `acknowledged`) or resolves (→ `resolved`) a finding, with a note. */
export async function settleFinding(
  ctx: ServiceContext,
  id: string,
  to: "acknowledged" | "resolved",
  note: string,
  actor: Actor,
): Promise<FindingView> {
  if (note.length > 2000) throw validationFailed("note may hold at most 2,000 characters", { field: "note" });
  return runUnitOfWork(ctx, async (unit) => {
    const row = await unit.trx.selectFrom("findings").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) throw notFound("finding", id);
    if (row.state === "resolved") throw new TesseraError("conflict", `finding ${id} is resolved already`);
    if (row.state === to) return toFindingView(row);
    const set =
      to === "acknowledged"
        ? {
            state: to,
            acknowledged_at: unit.now,
            acknowledged_by: actor.id,
            note: note || row.note,
            updated_at: unit.now,
          }
        : { state: to, resolved_at: unit.now, resolved_by: actor.id, note: note || row.note, updated_at: unit.now };
    await unit.trx.updateTable("findings").set(set).where("id", "=", id).execute();
    await unit.appendAudit({
      actor: actor.id,
      action: to === "acknowledged" ? "finding.acknowledged" : "finding.resolved",
      targetType: "finding",
      targetId: id,
      reason: note || null,
      requestId: actor.requestId ?? null,
      data: { detector: row.detector, keyId: row.key_id },
    });
    return toFindingView({ ...row, ...set });
  });
}
