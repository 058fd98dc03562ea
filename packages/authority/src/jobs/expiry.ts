/**
 * Expiry announcements, each sent once per key: `key.expiring` some time before a key expires
 * (TESSERA_EXPIRY_WARNING) and `key.expired` once it has. Expiry itself needs no job: a key's
 * state is computed from its expiry at every read. These events are for people and webhooks.
 */

import type { ServiceContext } from "../context.js";
import { runUnitOfWork, type UnitOfWork } from "../db/transaction.js";
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
        await announce(unit, keys, "key.expiring");
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
        await announce(unit, keys, "key.expired");
        return { noticed: keys.length, more: keys.length === EXPIRY_BATCH };
      });
    },
  };
}

interface DueKey {
  id: string;
  principal_id: string;
  start: string;
  expires_at: number | null;
}

/**
 * Marks each key as announced (so it is announced once) and writes its change and its audit
 * record, inside the job's unit of work.
 */
async function announce(unit: UnitOfWork, keys: readonly DueKey[], event: "key.expiring" | "key.expired") {
  const warning = event === "key.expiring";
  for (const key of keys) {
    await unit.trx
      .updateTable("api_keys")
      .set(warning ? { expiry_warned_at: unit.now } : { expiry_noticed_at: unit.now })
      .where("id", "=", key.id)
      .execute();
    const when = warning ? { expiresAt: key.expires_at } : { expiredAt: key.expires_at };
    await unit.appendChange({
      type: event,
      data: { keyId: key.id, principalId: key.principal_id, ...when, ...(warning ? {} : { cause: "lifetime" }) },
    });
    await unit.appendAudit({
      actor: "system:expiry",
      action: event,
      targetType: "key",
      targetId: key.id,
      data: { principalId: key.principal_id, start: key.start, ...when },
    });
  }
}
