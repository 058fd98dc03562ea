/**
 * Leaked tokens reported by a scanner (ours, or a secret-scanning partner). Checking tells
 * whether found tokens are live; reporting acts on them per policy: revoke (default),
 * deprecate with a short expiry, or only notify. The token itself is used only to find its
 * hash and is never stored, logged or audited.
 */
import { hashToken, parseToken } from "@tessera/verifier";
import type { ServiceContext } from "../context.js";
import type { ApiKeysTable } from "../db/schema.js";
import { runUnitOfWork, type UnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { type KeyState, keyState, toReplicaRecord } from "../domain/keys.js";
import { revokeKeysMatching } from "../keys/index.js";

export type LeakAction = "revoke" | "deprecate" | "notify";
export const LEAK_ACTIONS: readonly LeakAction[] = ["revoke", "deprecate", "notify"];
export type LeakStatus = KeyState | "unknown";

export interface LeakCheckResult {
  index: number;
  status: LeakStatus;
  keyId: string | null;
}

export interface LeakReport {
  token: string;
  /** Where it was found, e.g. `src/config.ts:12:5 (commit abc123)`. Kept in the audit trail. */
  location: string;
  detector?: string;
  fingerprint?: string;
}

export interface LeakReportResult {
  index: number;
  keyId: string | null;
  statusBefore: LeakStatus;
  actionTaken: "revoked" | "deprecated" | "notified" | "none";
}

/** Hashes of the well-formed tokens, by their index in the request. */
function hashes(tokens: readonly string[], prefixes: ReadonlySet<string>): Map<number, string> {
  const out = new Map<number, string>();
  tokens.forEach((token, index) => {
    if (parseToken(token, prefixes)) out.set(index, hashToken(token));
  });
  return out;
}

async function checkLeaks(
  { db, clock }: ServiceContext,
  prefixes: ReadonlySet<string>,
  tokens: readonly string[],
): Promise<LeakCheckResult[]> {
  const byIndex = hashes(tokens, prefixes);
  const wanted = [...new Set(byIndex.values())];
  const rows =
    wanted.length === 0
      ? []
      : await db
          .selectFrom("api_keys")
          .select(["id", "key_hash", "status", "expires_at", "suspended_at"])
          .where("key_hash", "in", wanted)
          .execute();
  const byHash = new Map(rows.map((r) => [r.key_hash, r]));
  const now = clock.now();
  return tokens.map((_, index) => {
    const row = byIndex.has(index) ? byHash.get(byIndex.get(index) as string) : undefined;
    return row ? { index, status: keyState(row, now), keyId: row.id } : { index, status: "unknown", keyId: null };
  });
}

/** Deprecates a live leaked key so that it stops working by `deadline` at the latest. */
async function deprecateLeaked(unit: UnitOfWork, row: ApiKeysTable, deadline: number, reason: string): Promise<void> {
  const expiresAt = row.expires_at === null ? deadline : Math.min(row.expires_at, deadline);
  // A key in a rotation keeps the expiry a rollback would restore: cap it too, or rolling the
  // rotation back would make the leaked key active again with its old lifetime.
  const beforeRotation =
    row.replaced_by === null
      ? row.expires_at_before_rotation
      : Math.min(row.expires_at_before_rotation ?? deadline, deadline);
  await unit.trx
    .updateTable("api_keys")
    .set({
      status: "deprecated",
      expires_at: expiresAt,
      grace_until: expiresAt,
      expires_at_before_rotation: beforeRotation,
    })
    .where("id", "=", row.id)
    .execute();
  await unit.appendChange({
    type: "key.deprecated",
    data: { key: toReplicaRecord({ ...row, status: "deprecated", expires_at: expiresAt }), reason },
  });
}

/** Acts on one leaked key per `action`, then records the finding for webhooks and the audit trail. */
async function actOnLeakedKey(
  unit: UnitOfWork,
  { row, leak, action, actor, deprecateWithinMs }: LeakedKey,
): Promise<Omit<LeakReportResult, "index">> {
  const statusBefore = keyState(row, unit.now);
  const live = statusBefore === "active" || statusBefore === "deprecated";
  const reason = `leaked: ${leak.location}`.slice(0, 1024);
  const finding = {
    location: leak.location,
    detector: leak.detector ?? null,
    fingerprint: leak.fingerprint ?? null,
  };
  let actionTaken: LeakReportResult["actionTaken"] = live ? "notified" : "none";
  if (live && action === "revoke") {
    await revokeKeysMatching(unit, (eb) => eb("id", "=", row.id), {
      actor: actor.id,
      reason,
      cause: "leak.reported",
    });
    actionTaken = "revoked";
  } else if (live && action === "deprecate") {
    await deprecateLeaked(unit, row, unit.now + deprecateWithinMs, reason);
    actionTaken = "deprecated";
  }
  // For webhook subscribers: a leak was reported and acted on (no secret, only where it was found).
  await unit.appendChange({
    type: "leak.reported",
    data: { keyId: row.id, principalId: row.principal_id, location: leak.location, statusBefore, actionTaken },
  });
  await unit.appendAudit({
    actor: actor.id,
    action: "leak.reported",
    targetType: "key",
    targetId: row.id,
    reason,
    requestId: actor.requestId ?? null,
    data: { finding, statusBefore, policy: action, actionTaken, start: row.start },
  });
  return { keyId: row.id, statusBefore, actionTaken };
}

interface LeakedKey {
  row: ApiKeysTable;
  leak: LeakReport;
  action: LeakAction;
  actor: Actor;
  deprecateWithinMs: number;
}

/** One audit record for the reported tokens that are not keys of this authority. */
async function auditUnknownLeaks(
  unit: UnitOfWork,
  leaks: readonly LeakReport[],
  results: readonly LeakReportResult[],
  actor: Actor,
): Promise<void> {
  const unknown = results.filter((r) => r.keyId === null).length;
  if (unknown === 0) return;
  await unit.appendAudit({
    actor: actor.id,
    action: "leak.reported_unknown",
    targetType: "leaks",
    reason: `${unknown} reported token(s) are not keys of this authority`,
    requestId: actor.requestId ?? null,
    data: {
      count: unknown,
      locations: leaks
        .filter((_, i) => !results[i]?.keyId)
        .slice(0, 100)
        .map((l) => l.location),
    },
  });
}

async function reportLeaks(
  { db, clock, config, commitListener }: ServiceContext,
  prefixes: ReadonlySet<string>,
  leaks: readonly LeakReport[],
  action: LeakAction,
  actor: Actor,
): Promise<LeakReportResult[]> {
  const byIndex = hashes(
    leaks.map((l) => l.token),
    prefixes,
  );
  return runUnitOfWork({ db, clock, commitListener }, async (unit) => {
    const results: LeakReportResult[] = [];
    for (const [index, leak] of leaks.entries()) {
      const hash = byIndex.get(index);
      const row = hash
        ? await unit.trx.selectFrom("api_keys").selectAll().where("key_hash", "=", hash).executeTakeFirst()
        : undefined;
      if (!row) {
        results.push({ index, keyId: null, statusBefore: "unknown", actionTaken: "none" });
        continue;
      }
      const deprecateWithinMs = config.leakDeprecateWithinMs;
      results.push({ index, ...(await actOnLeakedKey(unit, { row, leak, action, actor, deprecateWithinMs })) });
    }
    await auditUnknownLeaks(unit, leaks, results, actor);
    return results;
  });
}

export function createLeakService(ctx: ServiceContext) {
  const prefixes: ReadonlySet<string> = new Set(ctx.config.acceptedKeyPrefixes);
  return {
    check: (tokens: readonly string[]) => checkLeaks(ctx, prefixes, tokens),
    report: (leaks: readonly LeakReport[], action: LeakAction, actor: Actor) =>
      reportLeaks(ctx, prefixes, leaks, action, actor),
  };
}

export type LeakService = ReturnType<typeof createLeakService>;
