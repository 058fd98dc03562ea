/**
 * API keys: issue, inventory, show. Lifecycle changes (revoke, rotate, rollback, revoke by
 * selector) are in lifecycle.ts.
 */
import { displayStart, generateToken, hashToken } from "@tessera/verifier";
import type { TesseraConfig } from "../config.js";
import type { ServiceContext } from "../context.js";
import { createGroupCommit, type GroupCommit } from "../db/group-commit.js";
import { type Page, pageNewestFirst } from "../db/pagination.js";
import type { ApiKeysTable, PrincipalKind } from "../db/schema.js";
import type { UnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { type KeyView, toKeyView, toReplicaRecord } from "../domain/keys.js";
import { effectiveLifetime } from "../domain/lifetime-policy.js";
import { assertMayIssueFor, assertNoAdminEscalation, assertScopesWithin, normalizeScopes } from "../domain/scopes.js";
import { formatDuration } from "../duration.js";
import { notFound, TesseraError, validationFailed } from "../errors.js";
import { newId, secureRandomBytes } from "../ids.js";
import { inSpan } from "../tracing.js";
import { type KeyInventoryFilter, keyFilterExpression } from "./query.js";
import { insertKeyRows } from "./rows.js";

export interface IssueKeyInput {
  principalId: string;
  scopes: string[];
  audience?: string | null;
  /** Lifetime in ms from now; the policy default when absent. */
  expiresInMs?: number;
  description?: string;
  metadata?: Record<string, unknown>;
  /** A canary: a decoy that grants nothing (no scopes), answered as unknown, its use reported at once. */
  canary?: boolean;
}

export interface IssuedKey {
  key: KeyView;
  /** The secret. Returned once, never stored, never logged. */
  secret: string;
  sequence: number;
}

export const MAX_DESCRIPTION_LENGTH = 1024;
export const MAX_METADATA_BYTES = 8192;

export function checkMetadata(metadata: Record<string, unknown> | undefined): string {
  const text = JSON.stringify(metadata ?? {});
  if (text.length > MAX_METADATA_BYTES) {
    throw validationFailed(`metadata must be at most ${MAX_METADATA_BYTES} bytes of JSON`, { field: "metadata" });
  }
  return text;
}

/**
 * Checks a requested lifetime against policy (deployment-wide, then per scope and principal
 * kind: the tightest wins) and returns the expiry time.
 */
function expiryFor(
  config: TesseraConfig,
  now: number,
  expiresInMs: number | undefined,
  subject: { scopes: readonly string[]; principalKind?: PrincipalKind | undefined } = { scopes: [] },
): number {
  const policy = effectiveLifetime(
    config.lifetimePolicies,
    { defaultTtlMs: config.keyDefaultTtlMs, maxTtlMs: config.keyMaxTtlMs },
    subject,
  );
  const ttl = expiresInMs ?? policy.defaultTtlMs;
  if (!Number.isSafeInteger(ttl) || ttl <= 0) {
    throw validationFailed("expiry must be in the future", { field: "expiresIn" });
  }
  if (ttl > policy.maxTtlMs) {
    const narrowedBy = policy.matched
      .filter((r) => r.maxTtlMs === policy.maxTtlMs)
      .map((r) => (r.scope ? `scope ${r.scope}` : `principal kind ${r.principalKind}`));
    throw new TesseraError(
      "expiry_exceeds_policy",
      `keys may live at most ${formatDuration(policy.maxTtlMs)} under the current policy${narrowedBy.length ? ` (${narrowedBy.join(", ")})` : ""}`,
      { details: { maxLifetime: formatDuration(policy.maxTtlMs), requested: formatDuration(ttl) } },
    );
  }
  return now + ttl;
}

type NewKeyFields = Omit<IssueKeyInput, "expiresInMs"> & { expiresAt: number; replaces?: string };

/** Builds the row for a new key of `principalId`, inside a unit of work that checked the principal. */
function newKeyRow(
  config: TesseraConfig,
  now: number,
  actor: Actor,
  fields: NewKeyFields,
): { row: ApiKeysTable; secret: string } {
  // Every path that creates a key builds its row here: issue, rotate, campaign execute.
  assertNoAdminEscalation(fields.scopes, actor.scopes);
  const secret = generateToken(config.keyPrefix, secureRandomBytes);
  const row: ApiKeysTable = {
    id: newId("key"),
    principal_id: fields.principalId,
    key_hash: hashToken(secret),
    start: displayStart(secret),
    scopes: JSON.stringify(fields.scopes),
    audience: fields.audience ?? null,
    description: fields.description ?? "",
    metadata: checkMetadata(fields.metadata),
    status: "active",
    created_at: now,
    created_by: actor.id,
    expires_at: fields.expiresAt,
    revoked_at: null,
    revoked_by: null,
    revoked_reason: null,
    replaced_by: null,
    replaces: fields.replaces ?? null,
    grace_until: null,
    expires_at_before_rotation: null,
    last_used_at: null,
    suspended_at: null,
    suspended_by: null,
    suspended_reason: null,
    suspended_via: null,
    canary: fields.canary === true ? 1 : 0,
  };
  return { row, secret };
}

/** The scopes to issue, normalized, after the checks that need no database. */
function checkIssueInput(input: IssueKeyInput, actor: Actor): string[] {
  if (input.canary === true) {
    // Refused rather than ignored: a caller asking for scopes on a decoy has misunderstood it.
    if (input.scopes.length > 0) {
      throw validationFailed("a canary key grants nothing: leave scopes out (or empty)", { field: "scopes" });
    }
    checkDescription(input);
    return [];
  }
  if (input.scopes.length === 0) {
    throw validationFailed("scopes must name at least one scope: issue the narrowest set that fits", {
      field: "scopes",
    });
  }
  const scopes = normalizeScopes(input.scopes);
  checkDescription(input);
  assertNoAdminEscalation(scopes, actor.scopes);
  return scopes;
}

function checkDescription(input: IssueKeyInput): void {
  if ((input.description ?? "").length > MAX_DESCRIPTION_LENGTH) {
    throw validationFailed(`description must be at most ${MAX_DESCRIPTION_LENGTH} characters`, {
      field: "description",
    });
  }
}

/** The principal a key is issued to: it exists, is active, and allows every scope asked for. */
async function loadIssuingPrincipal(unit: UnitOfWork, principalId: string, scopes: string[]) {
  const principal = await unit.trx
    .selectFrom("principals")
    .select(["id", "status", "kind", "allowed_scopes", "suspended_at"])
    .where("id", "=", principalId)
    .executeTakeFirst();
  if (!principal) throw notFound("principal", principalId);
  if (principal.status !== "active") {
    throw new TesseraError("principal_disabled", `principal ${principalId} is disabled`);
  }
  if (principal.suspended_at !== null && principal.suspended_at !== undefined) {
    throw new TesseraError("principal_suspended", `principal ${principalId} is suspended: resume it first`);
  }
  assertScopesWithin(scopes, JSON.parse(principal.allowed_scopes) as string[], `principal ${principal.id}`);
  return principal;
}

async function issueKey(
  { config }: ServiceContext,
  submit: GroupCommit,
  input: IssueKeyInput,
  actor: Actor,
): Promise<IssuedKey> {
  const scopes = checkIssueInput(input, actor);
  // Concurrent issues share one commit (an fsync on SQLite); each keeps its own row, audit
  // record and change-log entry, and one that fails is rerun alone so it fails alone.
  return submit(async (unit) => {
    const principal = await loadIssuingPrincipal(unit, input.principalId, scopes);
    assertMayIssueFor(principal.id, principal.allowed_scopes, scopes, actor.scopes);
    const { row, secret } = newKeyRow(config, unit.now, actor, {
      ...input,
      scopes,
      expiresAt: expiryFor(config, unit.now, input.expiresInMs, { scopes, principalKind: principal.kind }),
    });
    await insertKeyRows(unit.trx, [row]);
    const sequence = await unit.appendChange({ type: "key.issued", data: { key: toReplicaRecord(row) } });
    await unit.appendAudit({
      actor: actor.id,
      action: "key.issued",
      targetType: "key",
      targetId: row.id,
      requestId: actor.requestId ?? null,
      data: {
        principalId: row.principal_id,
        start: row.start,
        scopes,
        audience: row.audience,
        expiresAt: row.expires_at,
        ...(row.canary === 1 ? { canary: true } : {}),
      },
    });
    return { key: toKeyView(row, unit.now), secret, sequence };
  });
}

async function getKey({ db, clock }: ServiceContext, id: string): Promise<KeyView> {
  const row = await db.selectFrom("api_keys").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw notFound("key", id);
  return toKeyView(row, clock.now());
}

async function listKeys(
  { db, clock }: ServiceContext,
  filter: KeyInventoryFilter & { limit?: number; cursor?: string },
): Promise<Page<KeyView>> {
  const now = clock.now();
  const query = db
    .selectFrom("api_keys")
    .selectAll()
    .where((eb) => keyFilterExpression(eb, filter, now));
  return pageNewestFirst(query, filter, (row) => toKeyView(row, now));
}

export function createKeyService(ctx: ServiceContext) {
  const { config } = ctx;
  const submit = createGroupCommit(ctx);
  return {
    issue: (input: IssueKeyInput, actor: Actor) =>
      inSpan("tessera.key.issue", { "tessera.principal.id": input.principalId }, async (span) => {
        const issued = await issueKey(ctx, submit, input, actor);
        span.setAttribute("tessera.key.id", issued.key.id);
        return issued;
      }),
    get: (id: string) => getKey(ctx, id),
    list: (filter: KeyInventoryFilter & { limit?: number; cursor?: string }) => listKeys(ctx, filter),
    expiryFor: (now: number, expiresInMs: number | undefined, subject?: Parameters<typeof expiryFor>[3]) =>
      expiryFor(config, now, expiresInMs, subject),
    newKeyRow: (now: number, actor: Actor, fields: NewKeyFields) => newKeyRow(config, now, actor, fields),
  };
}

export type KeyService = ReturnType<typeof createKeyService>;
