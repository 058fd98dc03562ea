/**
 * Reading the usage store: one key's series by outcome with the addresses, networks, user
 * agents and routes it was seen with; many keys' totals at once (sparklines for an inventory);
 * and the fleet's series (verifications and blocked requests by reason). Day buckets are read
 * from the hour counts.
 */
import type { ServiceContext } from "../context.js";
import type { UsageDimension } from "../db/schema.js";
import { iso } from "../domain/keys.js";
import { BUCKET_MS, bucketStarts, type UsageRange } from "./range.js";

type Counts = Record<string, number>;

export interface UsagePoint {
  at: string;
  total: number;
  outcomes: Counts;
}

export interface SeenView {
  value: string;
  firstSeen: string;
  lastSeen: string;
  count: number;
}

const granularityOf = (range: UsageRange) => (range.bucket === "minute" ? "m" : "h");
const bucketOf = (range: UsageRange, at: number) => at - (at % BUCKET_MS[range.bucket]);
/** Reads stored buckets from the first stored bucket inside the range to the end of its last one. */
const readTo = (range: UsageRange) => range.to + BUCKET_MS[range.bucket] - 1;

function densePoints(range: UsageRange, rows: { bucket: number; outcome: string; count: number }[]): UsagePoint[] {
  const byBucket = new Map<number, Counts>();
  for (const row of rows) {
    const at = bucketOf(range, Number(row.bucket));
    const counts = byBucket.get(at) ?? {};
    counts[row.outcome] = (counts[row.outcome] ?? 0) + Number(row.count);
    byBucket.set(at, counts);
  }
  return bucketStarts(range).map((at) => {
    const outcomes = byBucket.get(at) ?? {};
    const total = Object.values(outcomes).reduce((a, b) => a + b, 0);
    return { at: iso(at) as string, total, outcomes };
  });
}

function totalsOf(points: UsagePoint[]): Counts {
  const totals: Counts = {};
  for (const point of points) {
    for (const [outcome, n] of Object.entries(point.outcomes)) totals[outcome] = (totals[outcome] ?? 0) + n;
  }
  return totals;
}

const DIMENSIONS: Record<UsageDimension, "addresses" | "networks" | "userAgents" | "routes"> = {
  address: "addresses",
  network: "networks",
  user_agent: "userAgents",
  route: "routes",
};

async function seenOf(ctx: ServiceContext, keyId: string, range: UsageRange) {
  const rows = await ctx.db
    .selectFrom("key_usage_seen")
    .selectAll()
    .where("key_id", "=", keyId)
    .where("last_seen", ">=", range.from)
    .where("first_seen", "<=", readTo(range))
    .orderBy("count", "desc")
    .orderBy("value")
    .execute();
  const seen: Record<(typeof DIMENSIONS)[UsageDimension], SeenView[]> = {
    addresses: [],
    networks: [],
    userAgents: [],
    routes: [],
  };
  for (const row of rows) {
    seen[DIMENSIONS[row.dimension]].push({
      value: row.value,
      firstSeen: iso(Number(row.first_seen)) as string,
      lastSeen: iso(Number(row.last_seen)) as string,
      count: Number(row.count),
    });
  }
  const dropped = await ctx.db.selectFrom("key_usage_dropped").selectAll().where("key_id", "=", keyId).execute();
  const droppedBy: Partial<Record<(typeof DIMENSIONS)[UsageDimension], number>> = {};
  for (const row of dropped) droppedBy[DIMENSIONS[row.dimension]] = Number(row.dropped);
  return { ...seen, dropped: droppedBy };
}

/** One key: series by outcome, totals, and what it was seen with inside the range. */
export async function keyUsage(ctx: ServiceContext, keyId: string, range: UsageRange) {
  const rows = await ctx.db
    .selectFrom("key_usage")
    .select(["bucket", "outcome", "count"])
    .where("key_id", "=", keyId)
    .where("granularity", "=", granularityOf(range))
    .where("bucket", ">=", range.from)
    .where("bucket", "<=", readTo(range))
    .execute();
  const series = densePoints(range, rows);
  return {
    keyId,
    bucket: range.bucket,
    from: iso(range.from),
    to: iso(range.to),
    totals: totalsOf(series),
    series,
    ...(await seenOf(ctx, keyId, range)),
  };
}

/** Many keys (up to 1,000): total verifications per bucket each, for sparklines. */
export async function manyKeysUsage(ctx: ServiceContext, keyIds: readonly string[], range: UsageRange) {
  const rows =
    keyIds.length === 0
      ? []
      : await ctx.db
          .selectFrom("key_usage")
          .select(["key_id", "bucket", (eb) => eb.fn.sum<number>("count").as("count")])
          .where("key_id", "in", keyIds)
          .where("granularity", "=", granularityOf(range))
          .where("bucket", ">=", range.from)
          .where("bucket", "<=", readTo(range))
          .groupBy(["key_id", "bucket"])
          .execute();
  const starts = bucketStarts(range);
  const index = new Map(starts.map((at, i) => [at, i]));
  const series = new Map(keyIds.map((id) => [id, new Array<number>(starts.length).fill(0)]));
  for (const row of rows) {
    const i = index.get(bucketOf(range, Number(row.bucket)));
    const points = series.get(row.key_id);
    if (i !== undefined && points) points[i] = (points[i] ?? 0) + Number(row.count);
  }
  return {
    bucket: range.bucket,
    from: iso(range.from),
    to: iso(range.to),
    keys: keyIds.map((keyId) => {
      const points = series.get(keyId) ?? [];
      return { keyId, total: points.reduce((a, b) => a + b, 0), series: points };
    }),
  };
}

/** The fleet: verifications by outcome per bucket, and totals (ok, blocked by reason). */
export async function fleetUsage(ctx: ServiceContext, range: UsageRange) {
  const rows = await ctx.db
    .selectFrom("fleet_usage")
    .select(["bucket", "outcome", "count"])
    .where("granularity", "=", granularityOf(range))
    .where("bucket", ">=", range.from)
    .where("bucket", "<=", readTo(range))
    .execute();
  const series = densePoints(range, rows);
  const totals = totalsOf(series);
  const { ok = 0, ...blocked } = totals;
  const verifications = Object.values(totals).reduce((a, b) => a + b, 0);
  return { bucket: range.bucket, from: iso(range.from), to: iso(range.to), verifications, ok, blocked, series };
}
