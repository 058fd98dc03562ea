/** The usage feature as the authority exposes it: the store's writer and its three questions. */
import type { ServiceContext } from "../context.js";
import { notFound, validationFailed } from "../errors.js";
import { fleetUsage, keyUsage, manyKeysUsage } from "./query.js";
import { resolveRange, type UsageRangeInput } from "./range.js";
import { purgeUsage } from "./retention.js";
import { createUsageStore } from "./store.js";

/** Keys per many-keys question (an inventory page). */
export const MAX_KEYS_PER_QUESTION = 1000;

export function createUsageService(ctx: ServiceContext) {
  const store = createUsageStore(ctx);
  return {
    ...store,
    async ofKey(keyId: string, input: UsageRangeInput) {
      const range = resolveRange(input, ctx.clock.now());
      const key = await ctx.db.selectFrom("api_keys").select("id").where("id", "=", keyId).executeTakeFirst();
      if (!key) throw notFound("key", keyId);
      return keyUsage(ctx, keyId, range);
    },
    ofKeys(keyIds: readonly string[], input: UsageRangeInput) {
      if (keyIds.length > MAX_KEYS_PER_QUESTION) {
        throw validationFailed(`at most ${MAX_KEYS_PER_QUESTION} key ids per call`, { field: "ids" });
      }
      return manyKeysUsage(ctx, [...new Set(keyIds)], resolveRange(input, ctx.clock.now()));
    },
    fleet: (input: UsageRangeInput) => fleetUsage(ctx, resolveRange(input, ctx.clock.now())),
    /** Deletes what is past retention (the usage-retention job runs it). */
    purge: () => purgeUsage(ctx),
  };
}

export type UsageService = ReturnType<typeof createUsageService>;
