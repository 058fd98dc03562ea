/**
 * Reading and checking the audit trail, and the audit writes that are not part of a state
 * change: failed admin authentication, and summaries of repeated failures.
 */
import type { Kysely } from "kysely";
import type { Clock } from "../clock.js";
import { GENESIS_HASH } from "../db/migrations.js";
import type { AuditLogTable, Schema } from "../db/schema.js";
import { type AuditRecord, type ChainVerification, ChainVerifier } from "../domain/audit-chain.js";
import { validationFailed } from "../errors.js";
import type { FailureSummary } from "./failure-aggregator.js";
import { type AuthFailure, recordAuthFailure, recordFailureSummary } from "./failure-records.js";

export interface AuditFilter {
  action?: string;
  actor?: string;
  targetId?: string;
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
  /** Only records with a sequence above this (the cursor for the next page). */
  afterSeq?: number;
  limit?: number;
}

/** An audit record as the API shows it: stored fields plus parsed data. */
export interface AuditView {
  seq: number;
  at: string;
  actor: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  reason: string | null;
  requestId: string | null;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export function toAuditView(row: AuditLogTable): AuditView {
  return {
    seq: row.seq,
    at: new Date(row.at).toISOString(),
    actor: row.actor,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    reason: row.reason,
    requestId: row.request_id,
    data: JSON.parse(row.data) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export type { AuthFailure } from "./failure-records.js";

const EXPORT_PAGE = 1000;

export function createAuditService(db: Kysely<Schema>, clock: Clock) {
  async function list(filter: AuditFilter = {}): Promise<{ items: AuditView[]; nextAfterSeq: number | null }> {
    const limit = filter.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw validationFailed("limit must be from 1 to 1000", { field: "limit" });
    }
    let query = db.selectFrom("audit_log").selectAll();
    if (filter.action !== undefined) query = query.where("action", "=", filter.action);
    if (filter.actor !== undefined) query = query.where("actor", "=", filter.actor);
    if (filter.targetId !== undefined) query = query.where("target_id", "=", filter.targetId);
    if (filter.from !== undefined) query = query.where("at", ">=", filter.from);
    if (filter.to !== undefined) query = query.where("at", "<", filter.to);
    if (filter.afterSeq !== undefined) query = query.where("seq", ">", filter.afterSeq);
    const rows = await query
      .orderBy("seq", "asc")
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit).map(toAuditView);
    return { items, nextAfterSeq: rows.length > limit ? (items[items.length - 1]?.seq ?? null) : null };
  }

  /** Every record in sequence order, a page at a time: memory stays flat on a long trail. */
  async function* records(afterSeq = 0): AsyncGenerator<AuditRecord> {
    let after = afterSeq;
    for (;;) {
      const rows = await db
        .selectFrom("audit_log")
        .selectAll()
        .where("seq", ">", after)
        .orderBy("seq", "asc")
        .limit(EXPORT_PAGE)
        .execute();
      for (const row of rows) yield row;
      if (rows.length < EXPORT_PAGE) return;
      after = (rows[rows.length - 1] as AuditRecord).seq;
    }
  }

  /** Verifies the stored chain, and that the last record is the head the database recorded. */
  async function verify(
    expectedHead?: string,
  ): Promise<ChainVerification & { anchor: { seq: number; hash: string } | null }> {
    // Records deleted by audit retention leave an anchor: the chain must continue from it.
    const anchorRow = await db
      .selectFrom("sequences")
      .select(["value", "last_hash"])
      .where("name", "=", "audit_anchor")
      .executeTakeFirst();
    const anchor = anchorRow?.last_hash ? { seq: Number(anchorRow.value), hash: anchorRow.last_hash } : null;
    const verifier = new ChainVerifier(anchor?.hash ?? GENESIS_HASH, 100, (anchor?.seq ?? 0) + 1);
    for await (const record of records()) verifier.add(record);
    const head =
      expectedHead ??
      (await db.selectFrom("sequences").select("last_hash").where("name", "=", "audit").executeTakeFirst())
        ?.last_hash ??
      undefined;
    return { ...verifier.finish(head ?? undefined), anchor };
  }

  return {
    list,
    records,
    verify,
    recordAuthFailure: (failure: AuthFailure) => recordAuthFailure(db, clock, failure),
    recordFailureSummary: (summary: FailureSummary) => recordFailureSummary(db, clock, summary),
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
