/**
 * Last-used times, batched: a request records into memory and a timer writes every touched
 * key in one transaction, so verification never waits on a database write. Usage is
 * telemetry, not a state change: it is neither audited nor in the change log.
 */
import type { ServiceContext } from "../context.js";

export function createUsageRecorder(ctx: ServiceContext) {
  const pending = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();

  function record(keyId: string, at = ctx.clock.now()): void {
    const previous = pending.get(keyId);
    if (previous === undefined || at > previous) pending.set(keyId, at);
  }

  async function writeBatch(batch: Map<string, number>): Promise<void> {
    if (batch.size === 0) return;
    await ctx.db.transaction().execute(async (trx) => {
      for (const [id, at] of batch) {
        await trx
          .updateTable("api_keys")
          .set({ last_used_at: at })
          .where("id", "=", id)
          .where((eb) => eb.or([eb("last_used_at", "is", null), eb("last_used_at", "<", at)]))
          .execute();
      }
    });
  }

  /** Writes everything recorded so far. Safe to call concurrently; writes happen one at a time. */
  function flush(): Promise<void> {
    const batch = new Map(pending);
    pending.clear();
    flushing = flushing
      .then(() => writeBatch(batch))
      .catch(() => {
        // A failed write loses no more than one batch of last-used times; put them back.
        for (const [id, at] of batch) record(id, at);
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

  return { record, flush, start, stop, pendingCount: () => pending.size };
}

export type UsageRecorder = ReturnType<typeof createUsageRecorder>;
