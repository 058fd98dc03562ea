/**
 * SSF metrics on the app's registry, read at scrape time: per stream, the SETs waiting (polled
 * but not acknowledged, or not yet pushed), the age of the oldest, and the change-log entries
 * not yet turned into events. Labels are stream ids only: no URL, no token.
 */
import { Gauge, type Registry } from "prom-client";
import type { Clock } from "../clock.js";
import type { SsfService } from "./service.js";

function create(registry: Registry, ssf: SsfService, clock: Clock) {
  let reading: ReturnType<SsfService["stats"]> | null = null;
  const read = () => {
    reading ??= ssf.stats().finally(() => {
      setImmediate(() => {
        reading = null;
      });
    });
    return reading;
  };
  new Gauge({
    name: "tessera_ssf_pending_sets",
    help: "SETs waiting per SSF stream: not yet acknowledged by its poller, or not yet accepted by its push receiver.",
    labelNames: ["stream"] as const,
    registers: [registry],
    async collect() {
      for (const s of await read()) this.set({ stream: s.streamId }, s.pending);
    },
  });
  new Gauge({
    name: "tessera_ssf_oldest_pending_seconds",
    help: "Age of the oldest SET waiting per SSF stream (0 when none waits): a receiver that is down shows here.",
    labelNames: ["stream"] as const,
    registers: [registry],
    async collect() {
      for (const s of await read()) {
        this.set({ stream: s.streamId }, s.oldestAt === null ? 0 : Math.max(0, (clock.now() - s.oldestAt) / 1000));
      }
    },
  });
  new Gauge({
    name: "tessera_ssf_lag_changes",
    help: "Change-log entries not yet turned into a stream's events (head - the stream's cursor).",
    labelNames: ["stream"] as const,
    registers: [registry],
    async collect() {
      for (const s of await read()) this.set({ stream: s.streamId }, s.lag);
    },
  });
}

const registered = new WeakSet<Registry>();

export function ssfMetrics(registry: Registry, ssf: SsfService, clock: Clock): void {
  if (registered.has(registry)) return;
  registered.add(registry);
  create(registry, ssf, clock);
}
