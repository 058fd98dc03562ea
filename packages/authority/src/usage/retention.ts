/**
 * Usage retention: minute counts older than TESSERA_USAGE_MINUTE_RETENTION, hour counts and
 * seen values older than TESSERA_USAGE_HOUR_RETENTION are deleted, with the counts of keys that
 * no longer exist (purged by key retention). Telemetry, so no audit record.
 */
import type { ServiceContext } from "../context.js";

export async function purgeUsage(ctx: ServiceContext): Promise<{ deleted: number }> {
  const now = ctx.clock.now();
  const minuteCutoff = now - ctx.config.usageMinuteRetentionMs;
  const hourCutoff = now - ctx.config.usageHourRetentionMs;
  return ctx.db.transaction().execute(async (trx) => {
    const results = await Promise.all([
      trx.deleteFrom("key_usage").where("granularity", "=", "m").where("bucket", "<", minuteCutoff).executeTakeFirst(),
      trx.deleteFrom("key_usage").where("granularity", "=", "h").where("bucket", "<", hourCutoff).executeTakeFirst(),
      trx
        .deleteFrom("fleet_usage")
        .where("granularity", "=", "m")
        .where("bucket", "<", minuteCutoff)
        .executeTakeFirst(),
      trx.deleteFrom("fleet_usage").where("granularity", "=", "h").where("bucket", "<", hourCutoff).executeTakeFirst(),
      trx.deleteFrom("key_usage_seen").where("last_seen", "<", hourCutoff).executeTakeFirst(),
      trx
        .deleteFrom("key_usage")
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom("api_keys").select("id").whereRef("api_keys.id", "=", "key_usage.key_id"))),
        )
        .executeTakeFirst(),
    ]);
    return { deleted: results.reduce((sum, r) => sum + Number(r.numDeletedRows), 0) };
  });
}
