/**
 * Expiry announcements, each sent once per key: `key.expiring` some time before a key expires
 * (TESSERA_EXPIRY_WARNING) and `key.expired` once it has. Expiry itself needs no job: a key's
 * state is computed from its expiry at every read. These events are for people and webhooks.
 */

import type { ServiceContext } from "../context.js";
import { runUnitOfWork } from "../db/transaction.js";
import type { Job } from "./scheduler.js";

export const EXPIRY_BATCH = 1000;

export function expiryWarningsJob(ctx: ServiceContext, intervalMs: number): Job {
  return {
    name: "expiry-warnings",
    intervalMs,
    async run() {
      if (ctx.config.expiryWarningMs <= 0) return { warned: 0, disabled: true };
      return runUnitOfWork(ctx, async (unit) => {
        const keys = await unit.trx
          .selectFrom("api_keys")
          .select(["id", "principal_id", "start", "expires_at"])
          .where("status", "!=", "revoked")
          .where("expires_at", ">", unit.now)
          .where("expires_at", "<=", unit.now + ctx.config.expiryWarningMs)
          .where("expiry_warned_at", "is", null)
          .orderBy("expires_at")
          .limit(EXPIRY_BATCH)
          .execute();
        for (const key of keys) {
          await unit.trx.updateTable("api_keys").set({ expiry_warned_at: unit.now }).where("id", "=", key.id).execute();
          await unit.appendChange({
            type: "key.expiring",
            data: { keyId: key.id, principalId: key.principal_id, expiresAt: key.expires_at },
          });
          await unit.appendAudit({
            actor: "system:expiry",
            action: "key.expiring",
            targetType: "key",
            targetId: key.id,
            data: { principalId: key.principal_id, start: key.start, expiresAt: key.expires_at },
          });
        }
        return { warned: keys.length, more: keys.length === EXPIRY_BATCH };
      });
    },
  };
}

export function expiryNoticesJob(ctx: ServiceContext, intervalMs: number): Job {
  return {
    name: "expiry-notices",
    intervalMs,
    async run() {
      return runUnitOfWork(ctx, async (unit) => {
        const keys = await unit.trx
          .selectFrom("api_keys")
          .select(["id", "principal_id", "start", "expires_at"])
          .where("status", "!=", "revoked")
          .where("expires_at", "<=", unit.now)
          .where("expiry_noticed_at", "is", null)
          .orderBy("expires_at")
          .limit(EXPIRY_BATCH)
          .execute();
        for (const key of keys) {
          await unit.trx
            .updateTable("api_keys")
            .set({ expiry_noticed_at: unit.now })
            .where("id", "=", key.id)
            .execute();
          await unit.appendChange({
            type: "key.expired",
            data: { keyId: key.id, principalId: key.principal_id, expiredAt: key.expires_at, cause: "lifetime" },
          });
          await unit.appendAudit({
            actor: "system:expiry",
            action: "key.expired",
            targetType: "key",
            targetId: key.id,
            data: { principalId: key.principal_id, start: key.start, expiredAt: key.expires_at },
          });
        }
        return { noticed: keys.length, more: keys.length === EXPIRY_BATCH };
      });
    },
  };
}
