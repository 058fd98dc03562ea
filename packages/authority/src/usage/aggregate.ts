/**
 * Usage reports folded in memory between flushes: counts per key, outcome and bucket, the
 * values each key was seen with, and fleet counts. Verifiers report every 2 s; folding here
 * turns 100 verifiers' reports into one write per flush. Bounded: past MAX_PENDING rows a
 * report's entries are dropped and counted, never held without limit.
 */
import type { UsageDimension, UsageGranularity } from "../db/schema.js";
import { networkOf } from "./network.js";

/** One entry of a verifier's usage report (`POST /v1/verifiers/usage`). */
export interface UsageEntry {
  keyId: string | null;
  kind: "api_key" | "access_token" | null;
  outcome: string;
  route: string;
  address: string;
  userAgent: string;
  count: number;
  lastAt: number;
}

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
/** Pending rows per map before new ones are dropped (about 100 MB at the very worst). */
export const MAX_PENDING = 200_000;
/** How far back a report may date its entries: later ones are clamped to now, older to this. */
export const MAX_REPORT_AGE_MS = 10 * MINUTE;

const SEP = "\u0000";

export interface SeenValue {
  first: number;
  last: number;
  count: number;
}

export class PendingUsage {
  /** `keyId, granularity, bucket, outcome` → count */
  readonly perKey = new Map<string, number>();
  /** `granularity, bucket, outcome` → count */
  readonly fleet = new Map<string, number>();
  /** `keyId, dimension, value` → seen */
  readonly seen = new Map<string, SeenValue>();
  dropped = 0;

  get size(): number {
    return this.perKey.size + this.seen.size + this.fleet.size;
  }

  /** Folds `entries` in, reported at `now`; returns how many were dropped for want of room. */
  add(entries: readonly UsageEntry[], now: number): number {
    let dropped = 0;
    for (const entry of entries) {
      if (this.perKey.size >= MAX_PENDING || this.seen.size >= MAX_PENDING) {
        dropped += 1;
        continue;
      }
      const at = Math.min(now, Math.max(entry.lastAt, now - MAX_REPORT_AGE_MS));
      for (const [granularity, size] of [
        ["m", MINUTE],
        ["h", HOUR],
      ] as const) {
        const bucket = at - (at % size);
        bump(this.fleet, [granularity, bucket, entry.outcome].join(SEP), entry.count);
        if (entry.kind === "api_key" && entry.keyId) {
          bump(this.perKey, [entry.keyId, granularity, bucket, entry.outcome].join(SEP), entry.count);
        }
      }
      if (entry.kind === "api_key" && entry.keyId) this.addSeen(entry, at);
    }
    this.dropped += dropped;
    return dropped;
  }

  private addSeen(entry: UsageEntry, at: number): void {
    const network = networkOf(entry.address);
    const values: [UsageDimension, string | null][] = [
      ["address", entry.address || null],
      ["network", network],
      ["user_agent", entry.userAgent || null],
      ["route", entry.route || null],
    ];
    for (const [dimension, value] of values) {
      if (value === null) continue;
      const key = [entry.keyId, dimension, value].join(SEP);
      const seen = this.seen.get(key);
      if (seen) {
        seen.first = Math.min(seen.first, at);
        seen.last = Math.max(seen.last, at);
        seen.count += entry.count;
      } else {
        this.seen.set(key, { first: at, last: at, count: entry.count });
      }
    }
  }
}

function bump(map: Map<string, number>, key: string, count: number): void {
  map.set(key, (map.get(key) ?? 0) + count);
}

export function splitKey(key: string): string[] {
  return key.split(SEP);
}

export type { UsageDimension, UsageGranularity };
