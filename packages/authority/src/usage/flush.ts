/**
 * Writing folded usage: one transaction per flush, every count added by an upsert (`count =
 * count + excluded.count`, which SQLite and PostgreSQL both speak), entries for keys that do
 * not exist dropped (a verifier cannot fill the store with invented ids), and each key's seen
 * values cut back to the configured number, the least used first.
 */
import { sql, type Transaction } from "kysely";
import { chunks } from "../db/batches.js";
import type { Schema, UsageDimension, UsageGranularity } from "../db/schema.js";
import { type PendingUsage, splitKey } from "./aggregate.js";

/** Rows per INSERT: far below SQLite's and PostgreSQL's parameter limits. */
const ROWS_PER_STATEMENT = 400;
const IDS_PER_QUERY = 500;

type Trx = Transaction<Schema>;

async function existingKeys(trx: Trx, ids: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const batch of chunks(ids, IDS_PER_QUERY)) {
    const rows = await trx.selectFrom("api_keys").select("id").where("id", "in", batch).execute();
    for (const row of rows) found.add(row.id);
  }
  return found;
}

async function writeCounts(trx: Trx, pending: PendingUsage, known: Set<string>): Promise<void> {
  const perKey = [...pending.perKey]
    .map(([key, count]) => {
      const [key_id = "", granularity, bucket, outcome = ""] = splitKey(key);
      return { key_id, granularity: granularity as UsageGranularity, bucket: Number(bucket), outcome, count };
    })
    .filter((row) => known.has(row.key_id));
  for (const rows of chunks(perKey, ROWS_PER_STATEMENT)) {
    await trx
      .insertInto("key_usage")
      .values(rows)
      .onConflict((oc) =>
        oc
          .columns(["key_id", "granularity", "bucket", "outcome"])
          .doUpdateSet({ count: sql`key_usage.count + excluded.count` }),
      )
      .execute();
  }
  const fleet = [...pending.fleet].map(([key, count]) => {
    const [granularity, bucket, outcome = ""] = splitKey(key);
    return { granularity: granularity as UsageGranularity, bucket: Number(bucket), outcome, count };
  });
  for (const rows of chunks(fleet, ROWS_PER_STATEMENT)) {
    await trx
      .insertInto("fleet_usage")
      .values(rows)
      .onConflict((oc) =>
        oc
          .columns(["granularity", "bucket", "outcome"])
          .doUpdateSet({ count: sql`fleet_usage.count + excluded.count` }),
      )
      .execute();
  }
}

async function writeSeen(trx: Trx, pending: PendingUsage, known: Set<string>): Promise<void> {
  const seen = [...pending.seen]
    .map(([key, value]) => {
      const [key_id = "", dimension, text = ""] = splitKey(key);
      const row = { key_id, dimension: dimension as UsageDimension, value: text };
      return { ...row, first_seen: value.first, last_seen: value.last, count: value.count };
    })
    .filter((row) => known.has(row.key_id));
  for (const rows of chunks(seen, ROWS_PER_STATEMENT)) {
    await trx
      .insertInto("key_usage_seen")
      .values(rows)
      .onConflict((oc) =>
        oc.columns(["key_id", "dimension", "value"]).doUpdateSet({
          count: sql`key_usage_seen.count + excluded.count`,
          first_seen: sql`case when excluded.first_seen < key_usage_seen.first_seen then excluded.first_seen else key_usage_seen.first_seen end`,
          last_seen: sql`case when excluded.last_seen > key_usage_seen.last_seen then excluded.last_seen else key_usage_seen.last_seen end`,
        }),
      )
      .execute();
  }
}

/** Cuts each (key, dimension) back to `limit` values, the least used dropped and counted. */
async function pruneSeen(trx: Trx, keyIds: readonly string[], limit: number): Promise<void> {
  for (const batch of chunks(keyIds, IDS_PER_QUERY)) {
    const over = await trx
      .selectFrom("key_usage_seen")
      .select(["key_id", "dimension", (eb) => eb.fn.countAll<number>().as("n")])
      .where("key_id", "in", batch)
      .groupBy(["key_id", "dimension"])
      .having((eb) => eb.fn.countAll(), ">", limit)
      .execute();
    for (const { key_id, dimension } of over) {
      const extra = await trx
        .selectFrom("key_usage_seen")
        .select("value")
        .where("key_id", "=", key_id)
        .where("dimension", "=", dimension)
        .orderBy("count", "desc")
        .orderBy("last_seen", "desc")
        .orderBy("value")
        .offset(limit)
        .limit(1_000_000)
        .execute();
      const values = extra.map((r) => r.value);
      for (const part of chunks(values, IDS_PER_QUERY)) {
        await trx
          .deleteFrom("key_usage_seen")
          .where("key_id", "=", key_id)
          .where("dimension", "=", dimension)
          .where("value", "in", part)
          .execute();
      }
      await trx
        .insertInto("key_usage_dropped")
        .values({ key_id, dimension, dropped: values.length })
        .onConflict((oc) =>
          oc
            .columns(["key_id", "dimension"])
            .doUpdateSet({ dropped: sql`key_usage_dropped.dropped + excluded.dropped` }),
        )
        .execute();
    }
  }
}

/** Writes `pending` in `trx`; returns how many entries named keys that do not exist. */
export async function writePending(trx: Trx, pending: PendingUsage, seenLimit: number): Promise<{ keys: number }> {
  const ids = new Set<string>();
  for (const key of pending.perKey.keys()) ids.add(splitKey(key)[0] as string);
  const known = await existingKeys(trx, [...ids]);
  await writeCounts(trx, pending, known);
  await writeSeen(trx, pending, known);
  await pruneSeen(trx, [...known], seenLimit);
  return { keys: known.size };
}
