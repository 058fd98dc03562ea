/**
 * Principals: the owners of credentials (users, services, partner apps).
 */

import type { ServiceContext } from "../context.js";
import { type Page, pageNewestFirst } from "../db/pagination.js";
import type { PrincipalKind, PrincipalStatus } from "../db/schema.js";
import { runUnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { type PrincipalView, toPrincipalView } from "../domain/keys.js";
import { assertNoAdminEscalation, normalizeScopes } from "../domain/scopes.js";
import { notFound, TesseraError, validationFailed } from "../errors.js";
import { newId } from "../ids.js";
import { revokeKeysMatching } from "../keys/index.js";
import { cutOffPrincipal } from "../oauth/index.js";

export const PRINCIPAL_KINDS: readonly PrincipalKind[] = ["user", "service", "app"];

export interface CreatePrincipalInput {
  name: string;
  kind: PrincipalKind;
  owner: string;
  allowedScopes: string[];
  metadata?: Record<string, unknown>;
}

export interface PrincipalFilter {
  owner?: string;
  kind?: PrincipalKind;
  status?: PrincipalStatus;
  limit?: number;
  cursor?: string;
}

export interface DisableResult {
  principal: PrincipalView;
  revokedKeyIds: string[];
  /** Change-log sequence that verifiers must reach for the disabling to be enforced. */
  sequence: number | null;
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;

async function getPrincipal({ db }: ServiceContext, id: string): Promise<PrincipalView> {
  const row = await db.selectFrom("principals").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw notFound("principal", id);
  return toPrincipalView(row);
}

function checkCreateInput(input: CreatePrincipalInput, actor: Actor): string[] {
  if (!NAME_PATTERN.test(input.name)) {
    throw validationFailed("name must be 1-128 letters, digits or . _ @ -, starting with a letter or digit", {
      field: "name",
    });
  }
  if (!PRINCIPAL_KINDS.includes(input.kind)) {
    throw validationFailed(`kind must be one of ${PRINCIPAL_KINDS.join(", ")}`, { field: "kind" });
  }
  if (input.owner.trim().length === 0) throw validationFailed("owner must not be empty", { field: "owner" });
  const allowedScopes = normalizeScopes(input.allowedScopes, "allowedScopes");
  assertNoAdminEscalation(allowedScopes, actor.scopes);
  return allowedScopes;
}

async function createPrincipal(
  { db, clock, commitListener }: ServiceContext,
  input: CreatePrincipalInput,
  actor: Actor,
): Promise<PrincipalView> {
  const allowedScopes = checkCreateInput(input, actor);
  const id = newId("principal");
  return runUnitOfWork({ db, clock, commitListener }, async (unit) => {
    const existing = await unit.trx
      .selectFrom("principals")
      .select("id")
      .where("name", "=", input.name)
      .executeTakeFirst();
    if (existing) {
      throw new TesseraError("conflict", `a principal named ${input.name} already exists`, {
        details: { id: existing.id },
      });
    }
    const row = {
      id,
      name: input.name,
      kind: input.kind,
      owner: input.owner,
      status: "active" as const,
      allowed_scopes: JSON.stringify(allowedScopes),
      metadata: JSON.stringify(input.metadata ?? {}),
      created_at: unit.now,
      updated_at: unit.now,
      created_by: actor.id,
      disabled_at: null,
      disabled_reason: null,
    };
    await unit.trx.insertInto("principals").values(row).execute();
    await unit.appendAudit({
      actor: actor.id,
      action: "principal.created",
      targetType: "principal",
      targetId: id,
      requestId: actor.requestId ?? null,
      data: { name: input.name, kind: input.kind, owner: input.owner, allowedScopes },
    });
    return toPrincipalView(row);
  });
}

async function listPrincipals({ db }: ServiceContext, filter: PrincipalFilter = {}): Promise<Page<PrincipalView>> {
  let query = db.selectFrom("principals").selectAll();
  if (filter.owner !== undefined) query = query.where("owner", "=", filter.owner);
  if (filter.kind !== undefined) query = query.where("kind", "=", filter.kind);
  if (filter.status !== undefined) query = query.where("status", "=", filter.status);
  return pageNewestFirst(query, filter, toPrincipalView);
}

/**
 * Disables a principal and revokes every credential it holds, in one transaction: there
 * is no moment at which the principal is disabled but a key of it still verifies.
 */
async function disablePrincipal(ctx: ServiceContext, id: string, reason: string, actor: Actor): Promise<DisableResult> {
  const { db, clock, commitListener } = ctx;
  if (reason.trim().length === 0) throw validationFailed("reason is required", { field: "reason" });
  return runUnitOfWork({ db, clock, commitListener }, async (unit) => {
    const row = await unit.trx.selectFrom("principals").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) throw notFound("principal", id);
    if (row.status === "disabled") {
      return { principal: toPrincipalView(row), revokedKeyIds: [], sequence: null };
    }
    await unit.trx
      .updateTable("principals")
      .set({ status: "disabled", disabled_at: unit.now, disabled_reason: reason, updated_at: unit.now })
      .where("id", "=", id)
      .execute();
    const revoked = await revokeKeysMatching(unit, (eb) => eb("principal_id", "=", id), {
      actor: actor.id,
      reason: `principal disabled: ${reason}`,
      cause: "principal.disabled",
      wholePrincipals: true,
    });
    // OAuth access tokens are self-contained: a cutoff revokes every one issued so far, and
    // the principal's grant families (refresh tokens) are revoked with it.
    await cutOffPrincipal(unit, id, ctx.config, {
      actor: actor.id,
      reason: `principal disabled: ${reason}`,
      requestId: actor.requestId ?? null,
    });
    const sequence = await unit.appendChange({
      type: "principal.disabled",
      data: { principalId: id, revokedKeyIds: revoked.ids },
    });
    await unit.appendAudit({
      actor: actor.id,
      action: "principal.disabled",
      targetType: "principal",
      targetId: id,
      reason,
      requestId: actor.requestId ?? null,
      data: { revokedKeys: revoked.ids.length, revokedKeyIds: revoked.ids.slice(0, 1000) },
    });
    const updated = { ...row, status: "disabled" as const, disabled_at: unit.now, disabled_reason: reason };
    return { principal: toPrincipalView({ ...updated, updated_at: unit.now }), revokedKeyIds: revoked.ids, sequence };
  });
}

export function createPrincipalService(ctx: ServiceContext) {
  return {
    get: (id: string) => getPrincipal(ctx, id),
    create: (input: CreatePrincipalInput, actor: Actor) => createPrincipal(ctx, input, actor),
    list: (filter?: PrincipalFilter) => listPrincipals(ctx, filter),
    disable: (id: string, reason: string, actor: Actor) => disablePrincipal(ctx, id, reason, actor),
  };
}

export type PrincipalService = ReturnType<typeof createPrincipalService>;
