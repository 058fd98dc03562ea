/**
 * Suspending and resuming keys: a reversible stop. A suspended key is refused everywhere
 * (verifiers answer `suspended`, the authority's own lookups treat it as unusable) and keeps
 * its status (active or deprecated), so resuming gives back exactly what it was. Each change
 * is one unit of work: the row, a `key.suspended` / `key.resumed` change-log entry (which
 * verifiers apply on the same feed path as a revocation) and its audit record.
 *
 * `suspendKeysOf` / `resumeKeysOf` are the principal-wide forms (principals/suspension.ts):
 * a principal's suspension marks the keys it suspends with `suspended_via`, and resuming the
 * principal resumes only those, never a key suspended by itself.
 */
import type { ServiceContext } from "../context.js";
import { runUnitOfWork, type UnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { type KeyView, keyState, toKeyView } from "../domain/keys.js";
import { assertNoAdminEscalation } from "../domain/scopes.js";
import { TesseraError } from "../errors.js";
import { loadKey, requireReason } from "./revoke.js";

export interface SuspendResult {
  key: KeyView;
  /** False when nothing changed (suspending a key suspended by itself already). */
  changed: boolean;
  /** Change-log sequence verifiers must reach; null when verifiers had nothing to learn. */
  sequence: number | null;
}

type KeyRow = Awaited<ReturnType<typeof loadKey>>;

function assertSuspendable(row: KeyRow, now: number): void {
  const state = keyState(row, now);
  if (row.canary === 1) {
    throw new TesseraError("key_not_active", `key ${row.id} is a canary: revoke it to retire it`, {
      details: { state, canary: true },
    });
  }
  if (state === "revoked" || state === "expired") {
    throw new TesseraError("key_not_active", `key ${row.id} is ${state}: only a live key can be suspended`, {
      details: { state },
    });
  }
}

export async function suspendKey(
  { db, clock, commitListener }: ServiceContext,
  id: string,
  reasonText: string,
  actor: Actor,
): Promise<SuspendResult> {
  const reason = requireReason(reasonText);
  return runUnitOfWork({ db, clock, commitListener }, async (unit) => {
    const before = await loadKey(unit, id);
    assertSuspendable(before, unit.now);
    const already = before.suspended_at !== null;
    // Suspended by itself already: idempotent, like a revocation.
    if (already && before.suspended_via === null)
      return { key: toKeyView(before, unit.now), changed: false, sequence: null };
    await unit.trx
      .updateTable("api_keys")
      .set({
        suspended_at: already ? before.suspended_at : unit.now,
        suspended_by: actor.id,
        suspended_reason: reason,
        suspended_via: null,
      })
      .where("id", "=", id)
      .execute();
    // Suspended through its principal: now suspended by itself too (resuming the principal
    // leaves it). Verifiers refuse it already: nothing for them to learn.
    const sequence = already
      ? null
      : await unit.appendChange({ type: "key.suspended", data: { ids: [id], reason, cause: "key.suspend" } });
    await unit.appendAudit({
      actor: actor.id,
      action: "key.suspended",
      targetType: "key",
      targetId: id,
      reason,
      requestId: actor.requestId ?? null,
      data: {
        principalId: before.principal_id,
        start: before.start,
        stateBefore: keyState(before, unit.now),
        ...(already ? { previouslyVia: before.suspended_via } : {}),
      },
    });
    return { key: toKeyView(await loadKey(unit, id), unit.now), changed: true, sequence };
  });
}

export async function resumeKey(
  { db, clock, commitListener }: ServiceContext,
  id: string,
  reasonText: string,
  actor: Actor,
): Promise<SuspendResult> {
  const reason = requireReason(reasonText);
  return runUnitOfWork({ db, clock, commitListener }, async (unit) => {
    const before = await loadKey(unit, id);
    const state = keyState(before, unit.now);
    if (state !== "suspended") {
      throw new TesseraError("key_not_suspended", `key ${id} is ${state}, not suspended`, { details: { state } });
    }
    // Resuming restores a credential: the escalation rule applies, as to a rollback.
    assertNoAdminEscalation(JSON.parse(before.scopes) as string[], actor.scopes);
    await unit.trx
      .updateTable("api_keys")
      .set({ suspended_at: null, suspended_by: null, suspended_reason: null, suspended_via: null })
      .where("id", "=", id)
      .execute();
    const sequence = await unit.appendChange({
      type: "key.resumed",
      data: { ids: [id], reason, cause: "key.resume" },
    });
    await unit.appendAudit({
      actor: actor.id,
      action: "key.resumed",
      targetType: "key",
      targetId: id,
      reason,
      requestId: actor.requestId ?? null,
      data: {
        principalId: before.principal_id,
        start: before.start,
        suspendedAt: before.suspended_at,
        suspendedBy: before.suspended_by,
        suspendedReason: before.suspended_reason,
        suspendedVia: before.suspended_via,
      },
    });
    return { key: toKeyView(await loadKey(unit, id), unit.now), changed: true, sequence };
  });
}

/**
 * Inside `unit`: suspends every live, not yet suspended, non-canary key of `principalId`,
 * marked as suspended through the principal, with one `key.suspended` entry. Returns the ids.
 */
export async function suspendKeysOf(
  unit: UnitOfWork,
  principalId: string,
  reason: string,
  actor: Actor,
): Promise<{ ids: string[]; sequence: number | null }> {
  const rows = await unit.trx
    .updateTable("api_keys")
    .set({ suspended_at: unit.now, suspended_by: actor.id, suspended_reason: reason, suspended_via: principalId })
    .where("principal_id", "=", principalId)
    .where("status", "!=", "revoked")
    .where("suspended_at", "is", null)
    .where("canary", "=", 0)
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", unit.now)]))
    .returning("id")
    .execute();
  return announcePrincipalWide(unit, "key.suspended", rows, reason, principalId);
}

/**
 * Inside `unit`: resumes the keys the suspension of `principalId` suspended (only those), none
 * if one of them holds an admin scope `actor` lacks (the escalation rule: `scope_escalation`).
 */
export async function resumeKeysOf(
  unit: UnitOfWork,
  principalId: string,
  reason: string,
  actor: Actor,
): Promise<{ ids: string[]; sequence: number | null }> {
  const held = await unit.trx
    .selectFrom("api_keys")
    .select("scopes")
    .distinct()
    .where("principal_id", "=", principalId)
    .where("suspended_via", "=", principalId)
    .where("status", "!=", "revoked")
    .execute();
  assertNoAdminEscalation(
    held.flatMap((r) => JSON.parse(r.scopes) as string[]),
    actor.scopes,
  );
  const rows = await unit.trx
    .updateTable("api_keys")
    .set({ suspended_at: null, suspended_by: null, suspended_reason: null, suspended_via: null })
    .where("principal_id", "=", principalId)
    .where("suspended_via", "=", principalId)
    .where("status", "!=", "revoked")
    .returning("id")
    .execute();
  return announcePrincipalWide(unit, "key.resumed", rows, reason, principalId);
}

/** One change-log entry for the keys a principal's suspension or resumption changed, if any. */
async function announcePrincipalWide(
  unit: UnitOfWork,
  type: "key.suspended" | "key.resumed",
  rows: { id: string }[],
  reason: string,
  principalId: string,
): Promise<{ ids: string[]; sequence: number | null }> {
  const ids = rows.map((r) => r.id);
  if (ids.length === 0) return { ids, sequence: null };
  const cause = type === "key.suspended" ? "principal.suspend" : "principal.resume";
  const sequence = await unit.appendChange({ type, data: { ids, reason, cause, principalId } });
  return { ids, sequence };
}
