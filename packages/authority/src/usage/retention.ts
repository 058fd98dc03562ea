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
    // One after another: a transaction holds one connection either way.
    const deletes = [
      trx.deleteFrom("key_usage").where("granularity", "=", "m").where("bucket", "<", minuteCutoff),
      trx.deleteFrom("key_usage").where("granularity", "=", "h").where("bucket", "<", hourCutoff),
      trx.deleteFrom("fleet_usage").where("granularity", "=", "m").where("bucket", "<", minuteCutoff),
      trx.deleteFrom("fleet_usage").where("granularity", "=", "h").where("bucket", "<", hourCutoff),
      trx.deleteFrom("key_usage_seen").where("last_seen", "<", hourCutoff),
      trx
        .deleteFrom("key_usage")
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom("api_keys").select("id").whereRef("api_keys.id", "=", "key_usage.key_id"))),
        ),
    ];
    let deleted = 0;
    for (const query of deletes) deleted += Number((await query.executeTakeFirst()).numDeletedRows);
    return { deleted };
  });
}
