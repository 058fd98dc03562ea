/**
 * Retention: records of keys revoked or expired longer ago than TESSERA_RETENTION are purged;
 * audit records older than TESSERA_AUDIT_RETENTION are deleted from the front of the chain,
 * and the hash of the last deleted record is kept as the chain's anchor, so `audit verify`
 * still proves that everything after it is intact and complete. Both are off by default.
 */

import type { ServiceContext } from "../context.js";
import { runUnitOfWork } from "../db/transaction.js";
import { purgeUsage } from "../usage/index.js";
import type { Job } from "./scheduler.js";

export const RETENTION_BATCH = 5000;
export const AUDIT_ANCHOR = "audit_anchor";

export function keyRetentionJob(ctx: ServiceContext, intervalMs: number): Job {
  return {
    name: "key-retention",
    intervalMs,
    async run() {
      const retention = ctx.config.keyRetentionMs;
      if (retention <= 0) return { disabled: true };
      return runUnitOfWork(ctx, async (unit) => {
        const cutoff = unit.now - retention;
        const rows = await unit.trx
          .selectFrom("api_keys")
          .select("id")
          .where((eb) =>
            eb.or([
              eb.and([eb("status", "=", "revoked"), eb("revoked_at", "<", cutoff)]),
              eb.and([eb("status", "!=", "revoked"), eb("expires_at", "<", cutoff)]),
            ]),
          )
          .limit(RETENTION_BATCH)
          .execute();
        const ids = rows.map((r) => r.id);
        if (ids.length === 0) return { purged: 0 };
        for (let i = 0; i < ids.length; i += 500) {
          await unit.trx
            .deleteFrom("api_keys")
            .where("id", "in", ids.slice(i, i + 500))
            .execute();
        }
        await unit.appendAudit({
          actor: "system:retention",
          action: "keys.purged",
          targetType: "keys",
          reason: `revoked or expired more than ${Math.round(retention / 86_400_000)} day(s) ago`,
          data: { count: ids.length, ids: ids.slice(0, 1000) },
        });
        return { purged: ids.length, more: ids.length === RETENTION_BATCH };
      });
    },
  };
}

export function auditRetentionJob(ctx: ServiceContext, intervalMs: number): Job {
  return {
    name: "audit-retention",
    intervalMs,
    async run() {
      const retention = ctx.config.auditRetentionMs;
      if (retention <= 0) return { disabled: true };
      return runUnitOfWork(ctx, async (unit) => {
        const cutoff = unit.now - retention;
        // The newest record old enough to go: everything up to it is deleted, it becomes the anchor.
        const last = await unit.trx
          .selectFrom("audit_log")
          .select(["seq", "hash"])
          .where("at", "<", cutoff)
          .orderBy("seq", "desc")
          .limit(1)
          .executeTakeFirst();
        if (!last) return { deleted: 0 };
        const deleted = await unit.trx.deleteFrom("audit_log").where("seq", "<=", last.seq).executeTakeFirst();
        const existing = await unit.trx
          .selectFrom("sequences")
          .select("name")
          .where("name", "=", AUDIT_ANCHOR)
          .executeTakeFirst();
        if (existing) {
          await unit.trx
            .updateTable("sequences")
            .set({ value: last.seq, last_hash: last.hash })
            .where("name", "=", AUDIT_ANCHOR)
            .execute();
        } else {
          await unit.trx
            .insertInto("sequences")
            .values({ name: AUDIT_ANCHOR, value: last.seq, last_hash: last.hash })
            .execute();
        }
        // The purge is itself recorded, after the anchor, in the chain that remains.
        await unit.appendAudit({
          actor: "system:retention",
          action: "audit.purged",
          targetType: "audit",
          reason: `records older than ${Math.round(retention / 86_400_000)} day(s)`,
          data: { throughSeq: last.seq, anchorHash: last.hash, count: Number(deleted.numDeletedRows) },
        });
        return { deleted: Number(deleted.numDeletedRows), anchorSeq: last.seq };
      });
    },
  };
}

/** Usage counts and seen values past their retention (docs/monitoring.md#usage). */
export function usageRetentionJob(ctx: ServiceContext, intervalMs: number): Job {
  return { name: "usage-retention", intervalMs, run: () => purgeUsage(ctx) };
}
