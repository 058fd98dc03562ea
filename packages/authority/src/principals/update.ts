/**
 * Changing a principal: owner, metadata, and above all its allowed scopes. Narrowing the
 * allowance takes effect on the credentials it already holds, in the same transaction:
 * each key carrying a removed scope is revoked, or (policy `narrow`) keeps only the scopes
 * still allowed (revoked if none remain). Each affected key gets its own audit record naming
 * the trigger. Re-enabling a disabled principal does not bring back any credential.
 */

import type { ServiceContext } from "../context.js";
import { runUnitOfWork } from "../db/transaction.js";
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

export function createPrincipalUpdater(ctx: ServiceContext) {
  const { db, clock, config } = ctx;

  async function update(id: string, input: UpdatePrincipalInput, actor: Actor): Promise<UpdatePrincipalResult> {
    const policy = input.onExceedingKeys ?? config.scopeNarrowing;
    const allowedScopes = input.allowedScopes ? normalizeScopes(input.allowedScopes, "allowedScopes") : undefined;
    if (allowedScopes) assertNoAdminEscalation(allowedScopes, actor.scopes);
    if (input.owner !== undefined && input.owner.trim().length === 0) {
      throw validationFailed("owner must not be empty", { field: "owner" });
    }
    const metadata = input.metadata ? checkMetadata(input.metadata) : undefined;
    return runUnitOfWork(db, clock, async (unit) => {
      const row = await unit.trx.selectFrom("principals").selectAll().where("id", "=", id).executeTakeFirst();
      if (!row) throw notFound("principal", id);
      const before = JSON.parse(row.allowed_scopes) as string[];
      // Changing a principal more privileged than the caller (its owner, which decides where new
      // secrets are sent, or its scopes) is escalation too.
      assertNoAdminEscalation(
        before,
        actor.scopes,
        "you cannot change a principal allowed admin scopes you do not hold",
      );
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

      const revokedKeyIds: string[] = [];
      const narrowedKeyIds: string[] = [];
      let sequence: number | null = null;
      if (removedScopes.length > 0) {
        const trigger = `principal scopes narrowed: removed ${removedScopes.join(", ")}`;
        const reason = input.reason ? `${trigger} (${input.reason})` : trigger;
        const keys = await unit.trx
          .selectFrom("api_keys")
          .selectAll()
          .where("principal_id", "=", id)
          .where("status", "!=", "revoked")
          .execute();
        for (const key of keys) {
          const scopes = JSON.parse(key.scopes) as string[];
          const kept = scopes.filter((s) => allowed.has(s));
          if (kept.length === scopes.length) continue;
          if (policy === "narrow" && kept.length > 0) {
            await unit.trx
              .updateTable("api_keys")
              .set({ scopes: JSON.stringify(kept) })
              .where("id", "=", key.id)
              .execute();
            sequence = await unit.appendChange({
              type: "key.updated",
              data: { key: toReplicaRecord({ ...key, scopes: JSON.stringify(kept) }), reason },
            });
            narrowedKeyIds.push(key.id);
            await unit.appendAudit({
              actor: actor.id,
              action: "key.scopes_narrowed",
              targetType: "key",
              targetId: key.id,
              reason,
              requestId: actor.requestId ?? null,
              data: { trigger: "principal.scopes_narrowed", principalId: id, before: scopes, after: kept },
            });
          } else {
            const revoked = await revokeKeysMatching(unit, (eb) => eb("id", "=", key.id), {
              actor: actor.id,
              reason,
              cause: "principal.scopes_narrowed",
            });
            sequence = revoked.sequence ?? sequence;
            revokedKeyIds.push(key.id);
            await unit.appendAudit({
              actor: actor.id,
              action: "key.revoked",
              targetType: "key",
              targetId: key.id,
              reason,
              requestId: actor.requestId ?? null,
              data: { trigger: "principal.scopes_narrowed", principalId: id, start: key.start, scopes },
            });
          }
        }
      }
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
  async function enable(id: string, actor: Actor, reason?: string): Promise<PrincipalView> {
    return runUnitOfWork(db, clock, async (unit) => {
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

  return { update, enable };
}

export type PrincipalUpdater = ReturnType<typeof createPrincipalUpdater>;
