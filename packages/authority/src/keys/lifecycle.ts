/**
 * Key lifecycle changes: revoke one, revoke by selector, rotate with a grace window, and roll
 * a rotation back while the window is open. Each is one transaction with its audit record and
 * change-log event.
 */

import type { ServiceContext } from "../context.js";
import { type ChangeEntry, runUnitOfWork, type UnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { type KeyView, keyState, toKeyView, toReplicaRecord } from "../domain/keys.js";
import { assertMayIssueFor, assertNoAdminEscalation, assertScopesWithin, normalizeScopes } from "../domain/scopes.js";
import { formatDuration } from "../duration.js";
import { notFound, TesseraError, validationFailed } from "../errors.js";
import type { SelectorStepUp, StepUpProof } from "../stepup/types.js";
import { type KeySelector, keyFilterExpression, selectorIsEmpty } from "./query.js";
import { revokeKeysMatching } from "./revocation.js";
import { deprecateForRotation, restoreRotated, rotatedEvents } from "./rotation.js";
import { insertKeyRows } from "./rows.js";
import type { KeyService } from "./service.js";

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

export interface RotateInput {
  /** Scopes of the replacement: the same (default) or a narrower set. */
  scopes?: string[];
  /** How long the old key keeps working, deprecated. */
  graceMs?: number;
  /** Lifetime of the replacement; the policy default when absent. */
  expiresInMs?: number;
  description?: string;
}

export interface RotateResult {
  /** The old key, now deprecated until the end of the grace window. */
  previous: KeyView;
  replacement: KeyView;
  /** The replacement's secret, returned once. */
  secret: string;
  sequence: number;
}

export interface RollbackResult {
  restored: KeyView;
  revokedReplacement: KeyView;
  sequence: number;
}

/** The most ids one request may name in a selector: keeps every statement under driver limits. */
export const MAX_SELECTOR_IDS = 1000;

/** Thrown inside a selector revocation to roll it back when it needs step-up it was not given. */
class SelectionGrewPastThreshold extends Error {}

function requireReason(reason: string | undefined): string {
  const trimmed = (reason ?? "").trim();
  if (trimmed.length === 0) throw validationFailed("reason is required", { field: "reason" });
  if (trimmed.length > 1024) throw validationFailed("reason must be at most 1024 characters", { field: "reason" });
  return trimmed;
}

export function createKeyLifecycleService(ctx: ServiceContext, keys: KeyService) {
  const { db, clock, config } = ctx;

  async function loadKey(unit: UnitOfWork, id: string) {
    const row = await unit.trx.selectFrom("api_keys").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) throw notFound("key", id);
    return row;
  }

  async function revoke(id: string, reasonText: string, actor: Actor): Promise<RevokeResult> {
    const reason = requireReason(reasonText);
    return runUnitOfWork(db, clock, async (unit) => {
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
  async function countRevocable(selector: KeySelector): Promise<number> {
    const now = clock.now();
    const row = await db
      .selectFrom("api_keys")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where((eb) => eb.and([eb("status", "!=", "revoked"), keyFilterExpression(eb, selector, now)]))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * With `stepUp`, a selection of more than `stepUp.threshold` keys needs the caller's step-up
   * proof, recorded in the audit data. The count that decides is taken first; the transaction
   * counts again (the rows it revokes) and, if the selection grew past the threshold in
   * between, rolls back and asks for the proof before trying once more.
   */
  async function revokeBySelector(
    selector: KeySelector,
    reasonText: string,
    actor: Actor,
    stepUp?: SelectorStepUp,
  ): Promise<SelectorRevokeResult> {
    const reason = requireReason(reasonText);
    if (selectorIsEmpty(selector)) {
      throw new TesseraError(
        "selector_empty",
        "a selector needs at least one of principalId, owner, scope, createdBefore, createdAfter, startsWith, ids",
      );
    }
    if (selector.ids && selector.ids.length > MAX_SELECTOR_IDS) {
      throw validationFailed(`ids may list at most ${MAX_SELECTOR_IDS} keys per request`, { field: "ids" });
    }
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
    const revokeWith = (proof: StepUpProof | null) =>
      runUnitOfWork(db, clock, async (unit) => {
        const revoked = await revokeKeysMatching(unit, (eb) => keyFilterExpression(eb, selector, unit.now), {
          actor: actor.id,
          reason,
          cause: "revocation.selector",
          wholePrincipals,
          scopeMatch,
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
    const proof = stepUp && (await countRevocable(selector)) > stepUp.threshold ? await stepUp.require() : null;
    try {
      return await revokeWith(proof);
    } catch (error) {
      if (!(error instanceof SelectionGrewPastThreshold) || !stepUp) throw error;
      return revokeWith(await stepUp.require());
    }
  }

  async function rotate(id: string, input: RotateInput, actor: Actor): Promise<RotateResult> {
    const graceMs = input.graceMs ?? config.rotationGraceMs;
    if (!Number.isSafeInteger(graceMs) || graceMs < 0) {
      throw validationFailed("grace must be a duration of zero or more", { field: "grace" });
    }
    if (graceMs > config.rotationMaxGraceMs) {
      throw new TesseraError(
        "expiry_exceeds_policy",
        `a rotation grace window may last at most ${formatDuration(config.rotationMaxGraceMs)}`,
        { details: { maxGrace: formatDuration(config.rotationMaxGraceMs) } },
      );
    }
    return runUnitOfWork(db, clock, async (unit) => {
      const old = await loadKey(unit, id);
      const state = keyState(old, unit.now);
      if (state !== "active") {
        throw new TesseraError("key_not_active", `key ${id} is ${state}: only an active key can be rotated`, {
          details: { state },
        });
      }
      const oldScopes = JSON.parse(old.scopes) as string[];
      const scopes = input.scopes ? normalizeScopes(input.scopes) : oldScopes;
      if (scopes.length === 0) throw validationFailed("scopes must name at least one scope", { field: "scopes" });
      assertScopesWithin(scopes, oldScopes, `key ${id} (a rotation may keep or narrow scopes)`);
      const principal = await unit.trx
        .selectFrom("principals")
        .select(["status", "kind", "allowed_scopes"])
        .where("id", "=", old.principal_id)
        .executeTakeFirstOrThrow();
      if (principal.status !== "active") {
        throw new TesseraError("principal_disabled", `principal ${old.principal_id} is disabled`);
      }
      assertMayIssueFor(old.principal_id, principal.allowed_scopes, scopes, actor.scopes);
      const { row, secret } = keys.newKeyRow(unit.now, actor, {
        principalId: old.principal_id,
        scopes,
        audience: old.audience,
        description: input.description ?? old.description,
        metadata: JSON.parse(old.metadata) as Record<string, unknown>,
        expiresAt: keys.expiryFor(unit.now, input.expiresInMs, { scopes, principalKind: principal.kind }),
        replaces: old.id,
      });
      await insertKeyRows(unit.trx, [row]);
      const graceUntil = unit.now + graceMs;
      const [previous] = await deprecateForRotation(unit, [{ oldId: id, newId: row.id }], graceUntil);
      if (!previous) throw new TesseraError("key_not_active", `key ${id} is no longer active`);
      const [event] = rotatedEvents([previous], new Map([[row.id, row]]), graceUntil);
      const sequence = await unit.appendChange(event as ChangeEntry);
      await unit.appendAudit({
        actor: actor.id,
        action: "key.rotated",
        targetType: "key",
        targetId: id,
        requestId: actor.requestId ?? null,
        data: { replacementId: row.id, replacementStart: row.start, scopes, graceUntil },
      });
      return {
        previous: toKeyView(previous, unit.now),
        replacement: toKeyView(row, unit.now),
        secret,
        sequence,
      };
    });
  }

  /**
   * Undoes a rotation while its grace window is open: the old key is active again with its
   * original expiry and the replacement is revoked. `id` may name either key of the pair.
   */
  async function rollback(id: string, actor: Actor, reasonText?: string): Promise<RollbackResult> {
    return runUnitOfWork(db, clock, async (unit) => {
      const named = await loadKey(unit, id);
      const old = named.replaced_by !== null ? named : named.replaces ? await loadKey(unit, named.replaces) : null;
      if (!old || old.replaced_by === null) {
        throw new TesseraError("rotation_not_open", `key ${id} has no rotation to roll back`);
      }
      const state = keyState(old, unit.now);
      if (state !== "deprecated" || old.grace_until === null || unit.now >= old.grace_until) {
        throw new TesseraError(
          "rotation_not_open",
          `the rotation of key ${old.id} can no longer be rolled back: the old key is ${state === "deprecated" ? "past its grace window" : state}`,
          { details: { state } },
        );
      }
      assertNoAdminEscalation(
        JSON.parse(old.scopes) as string[],
        actor.scopes,
        "you cannot bring back a key holding admin scopes you do not hold",
      );
      const replacementId = old.replaced_by;
      await restoreRotated(unit, [old.id]);
      const reason = reasonText?.trim() || `rotation of ${old.id} rolled back`;
      await unit.trx
        .updateTable("api_keys")
        .set({ status: "revoked", revoked_at: unit.now, revoked_by: actor.id, revoked_reason: reason })
        .where("id", "=", replacementId)
        .where("status", "!=", "revoked")
        .execute();
      const restored = await loadKey(unit, old.id);
      const replacement = await loadKey(unit, replacementId);
      const sequence = await unit.appendChange({
        type: "key.rotation_rolled_back",
        data: { restored: toReplicaRecord(restored), revokedIds: [replacementId] },
      });
      await unit.appendAudit({
        actor: actor.id,
        action: "key.rotation_rolled_back",
        targetType: "key",
        targetId: old.id,
        reason,
        requestId: actor.requestId ?? null,
        data: { revokedReplacementId: replacementId },
      });
      return {
        restored: toKeyView(restored, unit.now),
        revokedReplacement: toKeyView(replacement, unit.now),
        sequence,
      };
    });
  }

  return { revoke, revokeBySelector, rotate, rollback };
}

export type KeyLifecycleService = ReturnType<typeof createKeyLifecycleService>;
