/**
 * The usage store's writer: reports fold into memory at once (the verifier hears 204 without
 * waiting on the database) and a timer writes them every TESSERA_USAGE_FLUSH_INTERVAL in one
 * transaction. Usage is telemetry, not a state change: neither audited nor in the change log.
 * A failed write puts its folded counts back for the next one.
 */
import type { ServiceContext } from "../context.js";
import { PendingUsage, type UsageEntry } from "./aggregate.js";
import { writePending } from "./flush.js";

export interface UsageStoreStats {
  /** Entries dropped because too much was pending (the store was not keeping up). */
  dropped: number;
  /** Rows written by the last flush, and how long it took (ms). */
  lastFlush: { keys: number; ms: number } | null;
}

export function createUsageStore(ctx: ServiceContext) {
  let pending = new PendingUsage();
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();
  const stats: UsageStoreStats = { dropped: 0, lastFlush: null };

  function ingest(entries: readonly UsageEntry[]): number {
    const dropped = pending.add(entries, ctx.clock.now());
    stats.dropped += dropped;
    return dropped;
  }

  async function write(batch: PendingUsage): Promise<void> {
    if (batch.size === 0) return;
    const started = performance.now();
    const { keys } = await ctx.db.transaction().execute((trx) => writePending(trx, batch, ctx.config.usageSeenLimit));
    stats.lastFlush = { keys, ms: performance.now() - started };
  }

  /** Writes everything folded so far; flushes run one at a time. */
  function flush(): Promise<void> {
    const batch = pending;
    pending = new PendingUsage();
    flushing = flushing
      .then(() => write(batch))
      .catch((error) => {
        // Nothing lost but this batch's place in time: fold it back in for the next flush.
        for (const [k, v] of batch.perKey) pending.perKey.set(k, (pending.perKey.get(k) ?? 0) + v);
        for (const [k, v] of batch.fleet) pending.fleet.set(k, (pending.fleet.get(k) ?? 0) + v);
        for (const [k, v] of batch.seen) if (!pending.seen.has(k)) pending.seen.set(k, v);
        process.emitWarning(`tessera usage: could not write usage: ${(error as Error)?.message ?? String(error)}`);
      });
    return flushing;
  }

  function start(): void {
    if (timer) return;
    timer = setInterval(() => void flush(), ctx.config.usageFlushIntervalMs);
    timer.unref();
  }

  async function stop(): Promise<void> {
    if (timer) clearInterval(timer);
    timer = undefined;
    await flush();
  }

  return { ingest, flush, start, stop, stats: () => ({ ...stats, pending: pending.size }) };
}

export type UsageStore = ReturnType<typeof createUsageStore>;
