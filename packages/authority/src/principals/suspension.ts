/**
 * Suspending a principal: every live key it holds is suspended (reversibly), and no key may be
 * issued to it until it is resumed. Resuming it resumes exactly the keys its suspension
 * suspended (`suspended_via`), never one suspended by itself before or since.
 *
 * OAuth: the principal's client secrets are API keys, so they are suspended with the rest and
 * the token endpoint refuses the client (`invalid_client`): no new access token, no refresh.
 * Access tokens already issued are not touched: revoking them (a principal cutoff) cannot be
 * undone, and they expire within their short lifetime. Disable the principal to cut them off.
 */
import type { ServiceContext } from "../context.js";
import { runUnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { type PrincipalView, toPrincipalView } from "../domain/keys.js";
import { notFound, TesseraError, validationFailed } from "../errors.js";
import { resumeKeysOf, suspendKeysOf } from "../keys/index.js";

export interface PrincipalSuspensionResult {
  principal: PrincipalView;
  /** False when the principal already was (suspend) or was not (never: resume throws) suspended. */
  changed: boolean;
  /** The keys this call suspended or resumed. */
  keyIds: string[];
  /** Change-log sequence verifiers must reach; null when no key changed. */
  sequence: number | null;
}

function checkReason(reason: string): string {
  const trimmed = (reason ?? "").trim();
  if (trimmed.length === 0) throw validationFailed("reason is required", { field: "reason" });
  return trimmed;
}

async function suspendPrincipal(
  { db, clock, commitListener }: ServiceContext,
  id: string,
  reasonText: string,
  actor: Actor,
): Promise<PrincipalSuspensionResult> {
  const reason = checkReason(reasonText);
  return runUnitOfWork({ db, clock, commitListener }, async (unit) => {
    const row = await unit.trx.selectFrom("principals").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) throw notFound("principal", id);
    if (row.status === "disabled") throw new TesseraError("principal_disabled", `principal ${id} is disabled`);
    if (row.suspended_at !== null && row.suspended_at !== undefined) {
      return { principal: toPrincipalView(row), changed: false, keyIds: [], sequence: null };
    }
    await unit.trx
      .updateTable("principals")
      .set({ suspended_at: unit.now, suspended_reason: reason, updated_at: unit.now })
      .where("id", "=", id)
      .execute();
    const { ids, sequence } = await suspendKeysOf(unit, id, reason, actor);
    await unit.appendAudit({
      actor: actor.id,
      action: "principal.suspended",
      targetType: "principal",
      targetId: id,
      reason,
      requestId: actor.requestId ?? null,
      data: { suspendedKeys: ids.length, keyIds: ids.slice(0, 1000), sequence },
    });
    const principal = toPrincipalView({
      ...row,
      suspended_at: unit.now,
      suspended_reason: reason,
      updated_at: unit.now,
    });
    return { principal, changed: true, keyIds: ids, sequence };
  });
}

async function resumePrincipal(
  { db, clock, commitListener }: ServiceContext,
  id: string,
  reasonText: string,
  actor: Actor,
): Promise<PrincipalSuspensionResult> {
  const reason = checkReason(reasonText);
  return runUnitOfWork({ db, clock, commitListener }, async (unit) => {
    const row = await unit.trx.selectFrom("principals").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) throw notFound("principal", id);
    if (row.suspended_at === null || row.suspended_at === undefined) {
      throw new TesseraError("principal_not_suspended", `principal ${id} is not suspended`);
    }
    await unit.trx
      .updateTable("principals")
      .set({ suspended_at: null, suspended_reason: null, updated_at: unit.now })
      .where("id", "=", id)
      .execute();
    const { ids, sequence } = await resumeKeysOf(unit, id, reason, actor);
    await unit.appendAudit({
      actor: actor.id,
      action: "principal.resumed",
      targetType: "principal",
      targetId: id,
      reason,
      requestId: actor.requestId ?? null,
      data: { resumedKeys: ids.length, keyIds: ids.slice(0, 1000), sequence, suspendedAt: row.suspended_at },
    });
    const principal = toPrincipalView({ ...row, suspended_at: null, suspended_reason: null, updated_at: unit.now });
    return { principal, changed: true, keyIds: ids, sequence };
  });
}

export function createPrincipalSuspension(ctx: ServiceContext) {
  return {
    suspend: (id: string, reason: string, actor: Actor) => suspendPrincipal(ctx, id, reason, actor),
    resume: (id: string, reason: string, actor: Actor) => resumePrincipal(ctx, id, reason, actor),
  };
}

export type PrincipalSuspension = ReturnType<typeof createPrincipalSuspension>;
