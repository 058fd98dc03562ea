/**
 * The audit writes that are not part of a state change: a failed admin authentication, and the
 * summary of an address's repeated failures in one window.
 */
import type { Kysely } from "kysely";
import type { Clock } from "../clock.js";
import type { Schema } from "../db/schema.js";
import { runUnitOfWork } from "../db/transaction.js";
import type { FailureSummary } from "./failure-aggregator.js";

export interface AuthFailure {
  reason:
    | "missing"
    | "malformed"
    | "unknown"
    | "revoked"
    | "expired"
    | "suspended"
    | "principal_disabled"
    | "insufficient_scope";
  route: string;
  ip: string;
  requestId: string;
  /** Display start of the presented key when it was well-formed: never the secret. */
  start?: string;
  keyId?: string;
  missingScopes?: string[];
}

/** The record of one failed admin authentication (the first of its address in a window). */
export async function recordAuthFailure(db: Kysely<Schema>, clock: Clock, failure: AuthFailure): Promise<void> {
  await runUnitOfWork({ db, clock, commitListener: undefined }, (unit) =>
    unit.appendAudit({
      actor: failure.keyId ?? "anonymous",
      action: "auth.failed",
      targetType: "route",
      targetId: failure.route,
      reason: failure.reason,
      requestId: failure.requestId,
      data: {
        ip: failure.ip,
        ...(failure.start ? { start: failure.start } : {}),
        ...(failure.missingScopes ? { missingScopes: failure.missingScopes } : {}),
      },
    }),
  );
}

/** One record for the repeated failures of one address in one window (see failure-aggregator.ts). */
export async function recordFailureSummary(db: Kysely<Schema>, clock: Clock, summary: FailureSummary): Promise<void> {
  await runUnitOfWork({ db, clock, commitListener: undefined }, (unit) =>
    unit.appendAudit({
      actor: "anonymous",
      action: summary.action,
      targetType: "route",
      targetId: summary.routes.length === 1 ? (summary.routes[0] as string) : null,
      reason: "repeated",
      data: {
        ip: summary.ip,
        count: summary.count,
        from: new Date(summary.from).toISOString(),
        to: new Date(summary.to).toISOString(),
        reasons: summary.reasons,
        routes: summary.routes,
        credentials: summary.credentials,
      },
    }),
  );
}
