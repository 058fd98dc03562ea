/**
 * The time range of a usage question: `from` and `to` (ISO 8601 or epoch milliseconds), and the
 * bucket size (`minute`, `hour`, `day`). Defaults: the last hour by minute, the last day by hour,
 * the last 30 days by day. At most MAX_POINTS buckets per answer, so a chart never asks for a
 * million points by accident.
 */
import { validationFailed } from "../errors.js";
import { HOUR, MINUTE } from "./aggregate.js";

export type UsageBucket = "minute" | "hour" | "day";
export const BUCKET_MS: Record<UsageBucket, number> = { minute: MINUTE, hour: HOUR, day: 24 * HOUR };
const DEFAULT_SPAN: Record<UsageBucket, number> = { minute: HOUR, hour: 24 * HOUR, day: 30 * 24 * HOUR };
export const MAX_POINTS = 1500;

export interface UsageRange {
  bucket: UsageBucket;
  /** First bucket's start (epoch ms, aligned to the bucket size). */
  from: number;
  /** Last bucket's start (aligned). */
  to: number;
}

export interface UsageRangeInput {
  from?: string | undefined;
  to?: string | undefined;
  bucket?: string | undefined;
}

function instant(value: string, field: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw validationFailed(`${field} must be an ISO 8601 time (2026-12-03T10:00:00Z) or epoch milliseconds`, {
      field,
    });
  }
  return ms;
}

export function resolveRange(input: UsageRangeInput, now: number): UsageRange {
  const bucket = (input.bucket ?? "hour") as UsageBucket;
  if (!(bucket in BUCKET_MS)) throw validationFailed("bucket must be minute, hour or day", { field: "bucket" });
  const size = BUCKET_MS[bucket];
  const toMs = input.to === undefined ? now : instant(input.to, "to");
  const fromMs = input.from === undefined ? toMs - DEFAULT_SPAN[bucket] + size : instant(input.from, "from");
  if (fromMs > toMs) throw validationFailed("from must not be after to", { field: "from" });
  const from = fromMs - (fromMs % size);
  const to = toMs - (toMs % size);
  if ((to - from) / size + 1 > MAX_POINTS) {
    throw validationFailed(
      `at most ${MAX_POINTS} ${bucket} buckets per answer: narrow from/to or take a larger bucket`,
      {
        field: "from",
      },
    );
  }
  return { bucket, from, to };
}

/** Every bucket start of `range`, in order. */
export function bucketStarts(range: UsageRange): number[] {
  const size = BUCKET_MS[range.bucket];
  const starts: number[] = [];
  for (let t = range.from; t <= range.to; t += size) starts.push(t);
  return starts;
}
