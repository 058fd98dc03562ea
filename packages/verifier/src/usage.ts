/**
 * Usage reporting, off the hot path: verifications are counted in memory by key, outcome,
 * route, client address and user agent, and sent to the authority in one batch every couple
 * of seconds. Memory is bounded: when the authority is unreachable, at most `maxEntries`
 * distinct rows are kept; beyond that records are dropped and the drop is counted (and
 * reported once the authority is back). A canary entry is not kept for the next batch: it is
 * sent at once (`recordUrgent`), with whatever else is waiting.
 * @module
 */

import type { UsageOutcome } from "./wire.js";

/**
 * One verification, as middleware records it (`verifier.recordUsage`).
 * @example
 * verifier.recordUsage({ keyId: result.ok ? result.keyId : null, kind: result.ok ? result.kind : null,
 *   outcome: result.ok ? "ok" : result.reason, route: "/orders", address: "10.0.0.7", userAgent: "curl/8" });
 */
export interface UsageRecord {
  /** API key id or access token `jti`; null when the token was not recognised. */
  keyId: string | null;
  kind: "api_key" | "access_token" | null;
  /** `ok` or the rejection reason. */
  outcome: UsageOutcome;
  route: string;
  address: string;
  userAgent: string;
}

interface UsageRow extends UsageRecord {
  count: number;
  lastAt: number;
}

export interface UsageReporterOptions {
  send(batch: { entries: UsageRow[]; dropped: number }): Promise<void>;
  intervalMs?: number;
  maxEntries?: number;
}

/** The entry's strings cut to their bounds, and the key of its row. */
function bounded(entry: UsageRecord) {
  const route = entry.route.slice(0, 256);
  const userAgent = entry.userAgent.slice(0, 256);
  const address = entry.address.slice(0, 64);
  const id = `${entry.keyId ?? ""}\u0000${entry.outcome}\u0000${route}\u0000${address}\u0000${userAgent}`;
  return { id, route, userAgent, address };
}

export function createUsageReporter(options: UsageReporterOptions) {
  const maxEntries = options.maxEntries ?? 10_000;
  let rows = new Map<string, UsageRow>();
  let dropped = 0;
  let sending = false;
  /** An urgent entry arrived while a batch was in flight: send again as soon as it lands. */
  let again = false;
  const timer = setInterval(() => void flush(), options.intervalMs ?? 2000);
  timer.unref();

  function record(entry: UsageRecord, at = Date.now()): void {
    const { id, route, userAgent, address } = bounded(entry);
    const row = rows.get(id);
    if (row) {
      row.count++;
      row.lastAt = at;
    } else if (rows.size >= maxEntries) {
      dropped++;
    } else {
      rows.set(id, {
        keyId: entry.keyId,
        kind: entry.kind,
        outcome: entry.outcome,
        route,
        address,
        userAgent,
        count: 1,
        lastAt: at,
      });
    }
  }

  async function flush(): Promise<void> {
    if (sending || (rows.size === 0 && dropped === 0)) return;
    sending = true;
    const batch = rows;
    const batchDropped = dropped;
    rows = new Map();
    dropped = 0;
    try {
      await options.send({ entries: [...batch.values()], dropped: batchDropped });
    } catch {
      // Keep what fits under the cap for the next attempt; count the rest as dropped.
      for (const [id, row] of batch) {
        const current = rows.get(id);
        if (current) {
          current.count += row.count;
          current.lastAt = Math.max(current.lastAt, row.lastAt);
        } else if (rows.size < maxEntries) rows.set(id, row);
        else dropped += row.count;
      }
      dropped += batchDropped;
    } finally {
      sending = false;
      if (again) {
        again = false;
        void flush();
      }
    }
  }

  /** Records `entry` and sends it now (a canary's use must not wait for the next batch). */
  function recordUrgent(entry: UsageRecord, at = Date.now()): void {
    record(entry, at);
    if (sending) again = true;
    else void flush();
  }

  return {
    record,
    recordUrgent,
    flush,
    /** Rows waiting to be sent and records dropped so far (for tests and status pages). */
    pending: () => ({ entries: rows.size, dropped }),
    stop(): void {
      clearInterval(timer);
    },
  };
}

export type UsageReporter = ReturnType<typeof createUsageReporter>;
