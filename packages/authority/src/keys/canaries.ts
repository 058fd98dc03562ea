/**
 * Canary keys in use. A canary is a decoy key that grants nothing: whoever presents one has a
 * copy of something that was never meant to be used. Verifiers answer it exactly as an
 * unknown key and report the use at once (usage outcome `canary`, the only place its key id
 * travels); the authority's own admin authentication and introspection do the same.
 *
 * `onUse` keeps only entries that name a canary key (a verifier cannot make a real key look
 * like a tripped canary), writes one `key.canary_used` audit record per key and report, and
 * hands the uses to every subscriber (the findings detectors turn them into `canary_used`
 * findings). Subscribers run after the audit records are committed; a failing subscriber is
 * reported through `onError` and never fails the report.
 */
import type { ServiceContext } from "../context.js";
import { runUnitOfWork } from "../db/transaction.js";

/** One reported use of a canary key, as verifiers send it (a usage entry with outcome `canary`). */
export interface CanaryReport {
  keyId: string | null;
  route: string;
  address: string;
  userAgent: string;
  count: number;
  /** Epoch ms of the last use (the reporter's clock). */
  lastAt: number;
}

/** A canary use the authority accepted: what subscribers receive. */
export interface CanaryUse {
  keyId: string;
  principalId: string;
  /** Who saw it: a verifier instance id (`vfy_...`), or `authority` (admin API, introspection). */
  reportedBy: string;
  route: string;
  address: string;
  userAgent: string;
  count: number;
  /** Epoch ms of the last use, never later than the authority's clock. */
  at: number;
  /** The audit record (`key.canary_used`) written for it. */
  auditSeq: number;
}

export type CanaryListener = (uses: CanaryUse[]) => void | Promise<void>;

/** Uses kept in one audit record's data (the count covers them all). */
const USES_PER_AUDIT_RECORD = 20;
/** Ids per `in (...)` query: far below every driver's parameter limit. */
const IDS_PER_QUERY = 500;

/** One `key.canary_used` audit record per key (its first uses listed, all counted), in one unit of work. */
function auditUses(
  ctx: ServiceContext,
  byKey: Map<string, Omit<CanaryUse, "auditSeq">[]>,
  reportedBy: string,
): Promise<CanaryUse[]> {
  return runUnitOfWork({ db: ctx.db, clock: ctx.clock, commitListener: undefined }, async (unit) => {
    const accepted: CanaryUse[] = [];
    for (const [keyId, ofKey] of byKey) {
      const auditSeq = await unit.appendAudit({
        actor: reportedBy === "authority" ? "system:authority" : `verifier:${reportedBy}`,
        action: "key.canary_used",
        targetType: "key",
        targetId: keyId,
        reason: "a canary key was presented",
        requestId: null,
        data: {
          principalId: (ofKey[0] as (typeof ofKey)[0]).principalId,
          reportedBy,
          count: ofKey.reduce((n, u) => n + u.count, 0),
          uses: ofKey.slice(0, USES_PER_AUDIT_RECORD).map(({ route, address, userAgent, count, at }) => ({
            route,
            address,
            userAgent,
            count,
            at,
          })),
        },
      });
      for (const use of ofKey) accepted.push({ ...use, auditSeq });
    }
    return accepted;
  });
}

export function createCanaryService(ctx: ServiceContext, onError: (error: unknown) => void = () => {}) {
  const listeners = new Set<CanaryListener>();

  async function principalsOfCanaries(ids: string[]): Promise<Map<string, string>> {
    const principalOf = new Map<string, string>();
    for (let start = 0; start < ids.length; start += IDS_PER_QUERY) {
      const rows = await ctx.db
        .selectFrom("api_keys")
        .select(["id", "principal_id"])
        .where("id", "in", ids.slice(start, start + IDS_PER_QUERY))
        .where("canary", "=", 1)
        .execute();
      for (const row of rows) principalOf.set(row.id, row.principal_id);
    }
    return principalOf;
  }

  /** Audits the canary uses among `reports` and tells subscribers; returns the uses accepted. */
  async function onUse(reports: readonly CanaryReport[], reportedBy: string): Promise<CanaryUse[]> {
    const ids = [...new Set(reports.map((r) => r.keyId).filter((id): id is string => typeof id === "string"))];
    if (ids.length === 0) return [];
    const principalOf = await principalsOfCanaries(ids);
    if (principalOf.size === 0) return [];
    const now = ctx.clock.now();
    const byKey = new Map<string, Omit<CanaryUse, "auditSeq">[]>();
    for (const r of reports) {
      const principalId = r.keyId === null ? undefined : principalOf.get(r.keyId);
      if (r.keyId === null || principalId === undefined) continue;
      const use = {
        keyId: r.keyId,
        principalId,
        reportedBy,
        route: r.route,
        address: r.address,
        userAgent: r.userAgent,
        count: r.count,
        at: Math.min(r.lastAt, now),
      };
      byKey.set(r.keyId, [...(byKey.get(r.keyId) ?? []), use]);
    }
    const uses = await auditUses(ctx, byKey, reportedBy);
    for (const listener of listeners) {
      try {
        await listener(uses);
      } catch (error) {
        onError(error);
      }
    }
    return uses;
  }

  return {
    onUse,
    /** Calls `listener` with every batch of accepted canary uses; returns the unsubscribe. */
    subscribe(listener: CanaryListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type CanaryService = ReturnType<typeof createCanaryService>;
