/**
 * Rotating a key with a grace window, and rolling a rotation back while the window is open.
 * Each is one transaction with its audit record and change-log event.
 */
import type { TesseraConfig } from "../config.js";
import type { ServiceContext } from "../context.js";
import type { ApiKeysTable } from "../db/schema.js";
import { type ChangeEntry, runUnitOfWork, type UnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { type KeyView, keyState, toKeyView, toReplicaRecord } from "../domain/keys.js";
import { assertGraceWithinPolicy } from "../domain/lifetime-policy.js";
import { assertMayIssueFor, assertNoAdminEscalation, assertScopesWithin, normalizeScopes } from "../domain/scopes.js";
import { TesseraError, validationFailed } from "../errors.js";
import { loadKey } from "./revoke.js";
import { deprecateForRotation, restoreRotated, rotatedEvents } from "./rotation.js";
import { insertKeyRows } from "./rows.js";
import type { KeyService } from "./service.js";

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

function graceFor(config: TesseraConfig, input: RotateInput): number {
  const graceMs = input.graceMs ?? config.rotationGraceMs;
  if (!Number.isSafeInteger(graceMs) || graceMs < 0) {
    throw validationFailed("grace must be a duration of zero or more", { field: "grace" });
  }
  assertGraceWithinPolicy(graceMs, config.rotationMaxGraceMs);
  return graceMs;
}

/** The key to rotate, active, of an active principal, with the replacement's scopes. */
async function loadRotatable(unit: UnitOfWork, id: string, input: RotateInput) {
  const old = await loadKey(unit, id);
  const state = keyState(old, unit.now);
  if (old.canary === 1) {
    throw new TesseraError(
      "key_not_active",
      `key ${id} is a canary: a decoy is not rotated (revoke it, issue another)`,
      {
        details: { state, canary: true },
      },
    );
  }
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
  return { old, scopes, principalKind: principal.kind, allowedScopes: principal.allowed_scopes };
}

export async function rotateKey(
  { db, clock, config, commitListener }: ServiceContext,
  keys: KeyService,
  id: string,
  input: RotateInput,
  actor: Actor,
): Promise<RotateResult> {
  const graceMs = graceFor(config, input);
  return runUnitOfWork({ db, clock, commitListener }, async (unit) => {
    const { old, scopes, principalKind, allowedScopes } = await loadRotatable(unit, id, input);
    assertMayIssueFor(old.principal_id, allowedScopes, scopes, actor.scopes);
    const { row, secret } = keys.newKeyRow(unit.now, actor, {
      principalId: old.principal_id,
      scopes,
      audience: old.audience,
      description: input.description ?? old.description,
      metadata: JSON.parse(old.metadata) as Record<string, unknown>,
      expiresAt: keys.expiryFor(unit.now, input.expiresInMs, { scopes, principalKind }),
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
    return { previous: toKeyView(previous, unit.now), replacement: toKeyView(row, unit.now), secret, sequence };
  });
}

/** The old key of the rotation `id` belongs to, while its grace window is open. */
async function loadOpenRotation(unit: UnitOfWork, id: string, actor: Actor): Promise<ApiKeysTable> {
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
  return old;
}

/**
 * Undoes a rotation while its grace window is open: the old key is active again with its
 * original expiry and the replacement is revoked. `id` may name either key of the pair.
 */
export async function rollbackRotation(
  { db, clock, commitListener }: ServiceContext,
  id: string,
  actor: Actor,
  reasonText?: string,
): Promise<RollbackResult> {
  return runUnitOfWork({ db, clock, commitListener }, async (unit) => {
    const old = await loadOpenRotation(unit, id, actor);
    const replacementId = old.replaced_by as string;
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
