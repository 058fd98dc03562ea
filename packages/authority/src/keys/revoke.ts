/**
 * Revoking keys: one by id, or every key a selector matches (with step-up above a threshold).
 * Each is one transaction with its audit record and change-log event.
 */
import type { ServiceContext } from "../context.js";
import { runUnitOfWork, type UnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { type KeyView, keyState, toKeyView } from "../domain/keys.js";
import { notFound, TesseraError, validationFailed } from "../errors.js";
import type { SelectorStepUp, StepUpProof } from "../stepup/index.js";
import type { ScopeMatch } from "./compact-revocation.js";
import { type KeySelector, keyFilterExpression, selectorIsEmpty } from "./query.js";
import { revokeKeysMatching } from "./revocation.js";

export interface RevokeResult {
  key: KeyView;
  /** False when the key was already revoked: revocation is idempotent. */
  changed: boolean;
  /** Change-log sequence verifiers must reach; null when nothing changed. */
  sequence: number | null;
}

export interface SelectorRevokeResult {
  revoked: number;
  /** Up to 1,000 of the revoked ids (all of them when fewer). */
  ids: string[];
  sequence: number | null;
}

/** The most ids one request may name in a selector: keeps every statement under driver limits. */
export const MAX_SELECTOR_IDS = 1000;

/** Thrown inside a selector revocation to roll it back when it needs step-up it was not given. */
class SelectionGrewPastThreshold extends Error {}

export function requireReason(reason: string | undefined): string {
  const trimmed = (reason ?? "").trim();
  if (trimmed.length === 0) throw validationFailed("reason is required", { field: "reason" });
  if (trimmed.length > 1024) throw validationFailed("reason must be at most 1024 characters", { field: "reason" });
  return trimmed;
}

export async function loadKey(unit: UnitOfWork, id: string) {
  const row = await unit.trx.selectFrom("api_keys").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw notFound("key", id);
  return row;
}

export async function revokeKey(
  { db, clock, commitListener }: ServiceContext,
  id: string,
  reasonText: string,
  actor: Actor,
): Promise<RevokeResult> {
  const reason = requireReason(reasonText);
  return runUnitOfWork({ db, clock, commitListener }, async (unit) => {
    const before = await loadKey(unit, id);
    if (before.status === "revoked") return { key: toKeyView(before, unit.now), changed: false, sequence: null };
    const { sequence } = await revokeKeysMatching(unit, (eb) => eb("id", "=", id), {
      actor: actor.id,
      reason,
      cause: "key.revoke",
    });
    await unit.appendAudit({
      actor: actor.id,
      action: "key.revoked",
      targetType: "key",
      targetId: id,
      reason,
      requestId: actor.requestId ?? null,
      data: { principalId: before.principal_id, start: before.start, stateBefore: keyState(before, unit.now) },
    });
    return { key: toKeyView(await loadKey(unit, id), unit.now), changed: true, sequence };
  });
}

/** How many not-yet-revoked keys a selector matches now. */
async function countRevocable({ db, clock }: ServiceContext, selector: KeySelector): Promise<number> {
  const now = clock.now();
  const row = await db
    .selectFrom("api_keys")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where((eb) => eb.and([eb("status", "!=", "revoked"), keyFilterExpression(eb, selector, now)]))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

function checkSelector(selector: KeySelector): void {
  if (selectorIsEmpty(selector)) {
    throw new TesseraError(
      "selector_empty",
      "a selector needs at least one of principalId, owner, scope, createdBefore, createdAfter, startsWith, ids",
    );
  }
  if (selector.ids && selector.ids.length > MAX_SELECTOR_IDS) {
    throw validationFailed(`ids may list at most ${MAX_SELECTOR_IDS} keys per request`, { field: "ids" });
  }
}

/** The compact forms verifiers can be told instead of every key id, when the selector allows. */
function compactFormsFor(selector: KeySelector): { wholePrincipals: boolean; scopeMatch: ScopeMatch | undefined } {
  // A selector naming only a principal, or only an owner, takes every key of whole
  // principals: verifiers are told ranges of key ordinals instead of every key id.
  const only = (field: keyof KeySelector) =>
    Object.keys(selector).every((f) => f === field || selector[f as keyof KeySelector] === undefined);
  const wholePrincipals =
    (selector.principalId !== undefined && only("principalId")) || (selector.owner !== undefined && only("owner"));
  // Only a scope (and a principal): verifiers can apply the condition itself.
  const scopeOnly = Object.keys(selector).every(
    (f) => f === "scope" || f === "principalId" || selector[f as keyof KeySelector] === undefined,
  );
  const scopeMatch =
    selector.scope !== undefined && scopeOnly
      ? {
          scope: selector.scope,
          ...(selector.principalId !== undefined ? { principalId: selector.principalId } : {}),
        }
      : undefined;
  return { wholePrincipals, scopeMatch };
}

interface SelectorRevocation {
  selector: KeySelector;
  reason: string;
  actor: Actor;
  stepUp: SelectorStepUp | undefined;
}

/** One attempt: revokes, and rolls back if the selection grew past the threshold without a proof. */
function revokeSelection(
  { db, clock, commitListener }: ServiceContext,
  { selector, reason, actor, stepUp }: SelectorRevocation,
  proof: StepUpProof | null,
): Promise<SelectorRevokeResult> {
  return runUnitOfWork({ db, clock, commitListener }, async (unit) => {
    const revoked = await revokeKeysMatching(unit, (eb) => keyFilterExpression(eb, selector, unit.now), {
      actor: actor.id,
      reason,
      cause: "revocation.selector",
      ...compactFormsFor(selector),
    });
    if (stepUp && proof === null && revoked.ids.length > stepUp.threshold) throw new SelectionGrewPastThreshold();
    await unit.appendAudit({
      actor: actor.id,
      action: "keys.revoked_by_selector",
      targetType: "selector",
      targetId: null,
      reason,
      requestId: actor.requestId ?? null,
      data: {
        selector,
        revoked: revoked.ids.length,
        sequence: revoked.sequence,
        ids: revoked.ids.slice(0, 1000),
        ...(proof ? { stepUp: { method: proof.method, justification: proof.justification } } : {}),
      },
    });
    return { revoked: revoked.ids.length, ids: revoked.ids.slice(0, 1000), sequence: revoked.sequence };
  });
}

/**
 * With `stepUp`, a selection of more than `stepUp.threshold` keys needs the caller's step-up
 * proof, recorded in the audit data. The count that decides is taken first; the transaction
 * counts again (the rows it revokes) and, if the selection grew past the threshold in
 * between, rolls back and asks for the proof before trying once more.
 */
export async function revokeBySelector(
  ctx: ServiceContext,
  selector: KeySelector,
  reasonText: string,
  actor: Actor,
  stepUp?: SelectorStepUp,
): Promise<SelectorRevokeResult> {
  const reason = requireReason(reasonText);
  checkSelector(selector);
  const revocation = { selector, reason, actor, stepUp };
  const proof = stepUp && (await countRevocable(ctx, selector)) > stepUp.threshold ? await stepUp.require() : null;
  try {
    return await revokeSelection(ctx, revocation, proof);
  } catch (error) {
    if (!(error instanceof SelectionGrewPastThreshold) || !stepUp) throw error;
    return revokeSelection(ctx, revocation, await stepUp.require());
  }
}
