/**
 * The feed's Prometheus metrics, registered on the app's registry (one set per registry, however
 * many route modules ask for them).
 */
import { VERIFY_FAILURES } from "@tessera/verifier/wire";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { FeedService } from "./service.js";

/**
 * Reasons a verifier may report for a refused request: the label values are bounded, and are
 * exactly the verifier's failure reasons (the wire contract's list).
 */
export const BLOCKED_REASONS = VERIFY_FAILURES;

function create(registry: Registry, feed: FeedService) {
  const propagation = new Histogram({
    name: "tessera_revocation_propagation_seconds",
    help: "Time from a revocation's commit to each connected verifier's ack of it.",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  feed.onConfirmation((seconds) => propagation.observe(seconds));
  new Gauge({
    // The unit is change-log entries: a verifier acks sequence numbers, not times.
    name: "tessera_verifier_lag_changes",
    help: "Change-log entries a connected verifier has not applied yet (head - applied), by verifier name.",
    labelNames: ["verifier"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const head = feed.hub.position();
      for (const v of await feed.registry.live()) {
        this.set({ verifier: v.name }, Math.max(0, head - v.applied_seq));
      }
    },
  });
  new Gauge({
    name: "tessera_feed_connections",
    help: "Feed connections open on this instance.",
    registers: [registry],
    collect() {
      this.set(feed.hub.connectionCount());
    },
  });
  const blocked = new Counter({
    name: "tessera_verifier_blocked_requests_total",
    help: "Requests verifiers refused, by reason, as reported by their usage batches.",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  const usageDropped = new Counter({
    name: "tessera_verifier_usage_dropped_total",
    help: "Usage records verifiers dropped (memory cap reached while the authority was unreachable).",
    registers: [registry],
  });
  const canaryUses = new Counter({
    name: "tessera_canary_uses_total",
    help: "Uses of canary keys reported (by verifiers, or seen by the authority's own admin API).",
    labelNames: ["source"],
    registers: [registry],
  });
  return { propagation, blocked, usageDropped, canaryUses };
}

const byRegistry = new WeakMap<Registry, ReturnType<typeof create>>();

export function feedMetrics(registry: Registry, feed: FeedService) {
  let metrics = byRegistry.get(registry);
  if (!metrics) {
    metrics = create(registry, feed);
    byRegistry.set(registry, metrics);
  }
  return metrics;
}
