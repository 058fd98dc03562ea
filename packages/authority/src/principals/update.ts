/**
 * Changing a principal: owner, metadata, and above all its allowed scopes. Narrowing the
 * allowance takes effect on the credentials it already holds, in the same transaction:
 * each key carrying a removed scope is revoked, or (policy `narrow`) keeps only the scopes
 * still allowed (revoked if none remain). Each affected key gets its own audit record naming
 * the trigger. Re-enabling a disabled principal does not bring back any credential.
 */

import type { ServiceContext } from "../context.js";
import type { ApiKeysTable } from "../db/schema.js";
import { runUnitOfWork, type UnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { type PrincipalView, toPrincipalView, toReplicaRecord } from "../domain/keys.js";
import { assertNoAdminEscalation, normalizeScopes } from "../domain/scopes.js";
import { notFound, validationFailed } from "../errors.js";
import { checkMetadata, revokeKeysMatching } from "../keys/index.js";

export type NarrowingPolicy = "revoke" | "narrow";

export interface UpdatePrincipalInput {
  allowedScopes?: string[];
  owner?: string;
  metadata?: Record<string, unknown>;
  /** What happens to keys carrying a removed scope; the deployment's policy when absent. */
  onExceedingKeys?: NarrowingPolicy;
  /** Why: kept in the audit records (e.g. "role changed in the IdP"). */
  reason?: string;
}

export interface UpdatePrincipalResult {
  principal: PrincipalView;
  removedScopes: string[];
  revokedKeyIds: string[];
  narrowedKeyIds: string[];
  sequence: number | null;
}

/** The new allowance and metadata, after the checks that need no database. */
function checkUpdateInput(input: UpdatePrincipalInput, actor: Actor) {
  const allowedScopes = input.allowedScopes ? normalizeScopes(input.allowedScopes, "allowedScopes") : undefined;
  if (allowedScopes) assertNoAdminEscalation(allowedScopes, actor.scopes);
  if (input.owner !== undefined && input.owner.trim().length === 0) {
    throw validationFailed("owner must not be empty", { field: "owner" });
  }
  const metadata = input.metadata ? checkMetadata(input.metadata) : undefined;
  return { allowedScopes, metadata };
}

/** The keys of `principalId` that lost a scope: each narrowed or revoked, with its audit record. */
interface Narrowing {
  principalId: string;
  allowed: ReadonlySet<string>;
  policy: NarrowingPolicy;
  reason: string;
  actor: Actor;
}

interface NarrowingOutcome {
  revokedKeyIds: string[];
  narrowedKeyIds: string[];
  sequence: number | null;
}

async function narrowKey(unit: UnitOfWork, n: Narrowing, key: ApiKeysTable, scopes: string[], kept: string[]) {
  await unit.trx
    .updateTable("api_keys")
    .set({ scopes: JSON.stringify(kept) })
    .where("id", "=", key.id)
    .execute();
  const sequence = await unit.appendChange({
    type: "key.updated",
    data: { key: toReplicaRecord({ ...key, scopes: JSON.stringify(kept) }), reason: n.reason },
  });
  await unit.appendAudit({
    actor: n.actor.id,
    action: "key.scopes_narrowed",
    targetType: "key",
    targetId: key.id,
    reason: n.reason,
    requestId: n.actor.requestId ?? null,
    data: { trigger: "principal.scopes_narrowed", principalId: n.principalId, before: scopes, after: kept },
  });
  return sequence;
}

async function revokeNarrowedKey(unit: UnitOfWork, n: Narrowing, key: ApiKeysTable, scopes: string[]) {
  const revoked = await revokeKeysMatching(unit, (eb) => eb("id", "=", key.id), {
    actor: n.actor.id,
    reason: n.reason,
    cause: "principal.scopes_narrowed",
  });
  await unit.appendAudit({
    actor: n.actor.id,
    action: "key.revoked",
    targetType: "key",
    targetId: key.id,
    reason: n.reason,
    requestId: n.actor.requestId ?? null,
    data: { trigger: "principal.scopes_narrowed", principalId: n.principalId, start: key.start, scopes },
  });
  return revoked.sequence;
}

async function applyNarrowing(unit: UnitOfWork, n: Narrowing): Promise<NarrowingOutcome> {
  const outcome: NarrowingOutcome = { revokedKeyIds: [], narrowedKeyIds: [], sequence: null };
  const keys = await unit.trx
    .selectFrom("api_keys")
    .selectAll()
    .where("principal_id", "=", n.principalId)
    .where("status", "!=", "revoked")
    .execute();
  for (const key of keys) {
    const scopes = JSON.parse(key.scopes) as string[];
    const kept = scopes.filter((s) => n.allowed.has(s));
    if (kept.length === scopes.length) continue;
    if (n.policy === "narrow" && kept.length > 0) {
      outcome.sequence = await narrowKey(unit, n, key, scopes, kept);
      outcome.narrowedKeyIds.push(key.id);
    } else {
      outcome.sequence = (await revokeNarrowedKey(unit, n, key, scopes)) ?? outcome.sequence;
      outcome.revokedKeyIds.push(key.id);
    }
  }
  return outcome;
}

async function updatePrincipal(
  { db, clock, config, commitListener }: ServiceContext,
  id: string,
  input: UpdatePrincipalInput,
  actor: Actor,
): Promise<UpdatePrincipalResult> {
  const policy = input.onExceedingKeys ?? config.scopeNarrowing;
  const { allowedScopes, metadata } = checkUpdateInput(input, actor);
  return runUnitOfWork({ db, clock, commitListener }, async (unit) => {
    const row = await unit.trx.selectFrom("principals").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) throw notFound("principal", id);
    const before = JSON.parse(row.allowed_scopes) as string[];
    // Changing a principal more privileged than the caller (its owner, which decides where new
    // secrets are sent, or its scopes) is escalation too.
    assertNoAdminEscalation(before, actor.scopes, "you cannot change a principal allowed admin scopes you do not hold");
    const after = allowedScopes ?? before;
    const allowed = new Set(after);
    const removedScopes = before.filter((s) => !allowed.has(s));
    const updated = {
      ...row,
      allowed_scopes: JSON.stringify(after),
      owner: input.owner ?? row.owner,
      metadata: metadata ?? row.metadata,
      updated_at: unit.now,
    };
    await unit.trx
      .updateTable("principals")
      .set({
        allowed_scopes: updated.allowed_scopes,
        owner: updated.owner,
        metadata: updated.metadata,
        updated_at: unit.now,
      })
      .where("id", "=", id)
      .execute();
    let outcome: NarrowingOutcome = { revokedKeyIds: [], narrowedKeyIds: [], sequence: null };
    if (removedScopes.length > 0) {
      const trigger = `principal scopes narrowed: removed ${removedScopes.join(", ")}`;
      const reason = input.reason ? `${trigger} (${input.reason})` : trigger;
      outcome = await applyNarrowing(unit, { principalId: id, allowed, policy, reason, actor });
    }
    const { revokedKeyIds, narrowedKeyIds, sequence } = outcome;
    const changeSeq = await unit.appendChange({
      type: "principal.updated",
      data: { principalId: id, allowedScopes: after, removedScopes, revokedKeyIds, narrowedKeyIds },
    });
    await unit.appendAudit({
      actor: actor.id,
      action: "principal.updated",
      targetType: "principal",
      targetId: id,
      reason: input.reason ?? null,
      requestId: actor.requestId ?? null,
      data: {
        allowedScopes: { before, after },
        ...(input.owner !== undefined ? { owner: { before: row.owner, after: updated.owner } } : {}),
        policy,
        revokedKeys: revokedKeyIds.length,
        narrowedKeys: narrowedKeyIds.length,
      },
    });
    return {
      principal: toPrincipalView(updated),
      removedScopes,
      revokedKeyIds,
      narrowedKeyIds,
      sequence: removedScopes.length > 0 ? changeSeq : (sequence ?? changeSeq),
    };
  });
}

/** Re-enables a disabled principal (SCIM `active: true`). Its revoked credentials stay revoked. */
async function enablePrincipal(
  { db, clock, commitListener }: ServiceContext,
  id: string,
  actor: Actor,
  reason?: string,
): Promise<PrincipalView> {
  return runUnitOfWork({ db, clock, commitListener }, async (unit) => {
    const row = await unit.trx.selectFrom("principals").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) throw notFound("principal", id);
    if (row.status === "active") return toPrincipalView(row);
    await unit.trx
      .updateTable("principals")
      .set({ status: "active", disabled_at: null, disabled_reason: null, updated_at: unit.now })
      .where("id", "=", id)
      .execute();
    await unit.appendChange({ type: "principal.enabled", data: { principalId: id } });
    await unit.appendAudit({
      actor: actor.id,
      action: "principal.enabled",
      targetType: "principal",
      targetId: id,
      reason: reason ?? null,
      requestId: actor.requestId ?? null,
    });
    return toPrincipalView({
      ...row,
      status: "active",
      disabled_at: null,
      disabled_reason: null,
      updated_at: unit.now,
    });
  });
}

export function createPrincipalUpdater(ctx: ServiceContext) {
  return {
    update: (id: string, input: UpdatePrincipalInput, actor: Actor) => updatePrincipal(ctx, id, input, actor),
    enable: (id: string, actor: Actor, reason?: string) => enablePrincipal(ctx, id, actor, reason),
  };
}

export type PrincipalUpdater = ReturnType<typeof createPrincipalUpdater>;
