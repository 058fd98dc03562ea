/**
 * The unused-key sweeper: live keys not used for a while (or never used since they were
 * created that long ago) are expired now. Off by default (TESSERA_SWEEP_UNUSED_AFTER); a dry
 * run lists what it would expire without changing anything.
 */

import type { ServiceContext } from "../context.js";
import { runUnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { toReplicaRecord } from "../domain/keys.js";
import { formatDuration } from "../duration.js";
import { validationFailed } from "../errors.js";
import type { Job } from "./scheduler.js";

export const SWEEP_BATCH = 1000;

export interface SweepResult {
  dryRun: boolean;
  unusedForMs: number;
  /** Keys that match (all of them in a dry run; at most one batch of them otherwise). */
  candidates: number;
  swept: number;
  /** Up to 1,000 ids. */
  ids: string[];
}

export function createUnusedSweeper(ctx: ServiceContext) {
  return async function sweepUnused(options: {
    unusedForMs: number;
    dryRun: boolean;
    actor: Actor;
  }): Promise<SweepResult> {
    const { unusedForMs, dryRun, actor } = options;
    if (!Number.isSafeInteger(unusedForMs) || unusedForMs < 3_600_000) {
      throw validationFailed("unusedFor must be at least 1h", { field: "unusedFor" });
    }
    return runUnitOfWork(ctx, async (unit) => {
      const cutoff = unit.now - unusedForMs;
      const query = unit.trx
        .selectFrom("api_keys")
        .selectAll()
        .where("status", "!=", "revoked")
        // A canary is never used by design: unused is what it is for, not a reason to retire it.
        .where("canary", "=", 0)
        .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", unit.now)]))
        .where((eb) =>
          eb.or([
            eb("last_used_at", "<", cutoff),
            eb.and([eb("last_used_at", "is", null), eb("created_at", "<", cutoff)]),
          ]),
        )
        .orderBy("created_at");
      if (dryRun) {
        const rows = await query.select("id").execute();
        return { dryRun, unusedForMs, candidates: rows.length, swept: 0, ids: rows.slice(0, 1000).map((r) => r.id) };
      }
      const rows = await query.limit(SWEEP_BATCH).execute();
      const reason = `unused for ${formatDuration(unusedForMs)}`;
      for (const row of rows) {
        await unit.trx
          .updateTable("api_keys")
          .set({ expires_at: unit.now, expiry_noticed_at: unit.now })
          .where("id", "=", row.id)
          .execute();
        await unit.appendChange({
          type: "key.updated",
          data: { key: toReplicaRecord({ ...row, expires_at: unit.now }), reason },
        });
        await unit.appendChange({
          type: "key.expired",
          data: { keyId: row.id, principalId: row.principal_id, expiredAt: unit.now, cause: "unused" },
        });
        await unit.appendAudit({
          actor: actor.id,
          action: "key.swept",
          targetType: "key",
          targetId: row.id,
          reason,
          requestId: actor.requestId ?? null,
          data: { principalId: row.principal_id, start: row.start, lastUsedAt: row.last_used_at },
        });
      }
      return {
        dryRun,
        unusedForMs,
        candidates: rows.length,
        swept: rows.length,
        ids: rows.slice(0, 1000).map((r) => r.id),
      };
    });
  };
}

export function unusedSweeperJob(
  ctx: ServiceContext,
  intervalMs: number,
  sweep: ReturnType<typeof createUnusedSweeper>,
): Job {
  return {
    name: "unused-sweeper",
    intervalMs,
    async run() {
      if (ctx.config.sweepUnusedAfterMs <= 0) return { disabled: true };
      const actor = { id: "system:sweeper", scopes: new Set<string>() };
      const result = await sweep({ unusedForMs: ctx.config.sweepUnusedAfterMs, dryRun: false, actor });
      return { swept: result.swept, more: result.swept === SWEEP_BATCH };
    },
  };
}
