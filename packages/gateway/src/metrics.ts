/**
 * Prometheus metrics of one gateway, in a registry of its own: decisions by outcome, decision
 * latency, replica lag and freshness, upstream failures. No label ever carries a credential,
 * a principal or a path: outcomes are a small fixed vocabulary.
 * @module
 */
import type { VerifierStatus } from "@tessera/verifier";
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export interface GatewayMetrics {
  registry: Registry;
  /** Counts one decision and its latency in seconds. */
  decided(outcome: string, seconds: number): void;
  upstreamError(code: string): void;
  render(): Promise<string>;
}

const OUTCOME = /^[a-z_]{1,32}$/;

export function createGatewayMetrics(status: () => VerifierStatus): GatewayMetrics {
  const registry = new Registry();
  const decisions = new Counter({
    name: "tessera_gateway_decisions_total",
    help: "Access decisions by outcome (ok, anonymous, or the refusal reason)",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const latency = new Histogram({
    name: "tessera_gateway_decision_seconds",
    help: "Time to decide one request, from headers read to answer chosen",
    // A local decision takes microseconds; the upper buckets catch a machine in trouble.
    buckets: [0.000002, 0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.001, 0.005, 0.025, 0.1],
    registers: [registry],
  });
  const upstream = new Counter({
    name: "tessera_gateway_upstream_errors_total",
    help: "Proxied requests that failed at the upstream, by error code",
    labelNames: ["code"],
    registers: [registry],
  });
  new Gauge({
    name: "tessera_gateway_replica_lag_seconds",
    help: "Seconds since the replica was last known current (-1 before the first snapshot)",
    registers: [registry],
    collect() {
      const ageMs = status().ageMs;
      this.set(ageMs === null ? -1 : ageMs / 1000);
    },
  });
  new Gauge({
    name: "tessera_gateway_replica_fresh",
    help: "1 while the replica is within its staleness bound, 0 while the gateway fails closed",
    registers: [registry],
    collect() {
      this.set(status().fresh ? 1 : 0);
    },
  });
  new Gauge({
    name: "tessera_gateway_replica_keys",
    help: "API keys held by the replica",
    registers: [registry],
    collect() {
      this.set(status().keys);
    },
  });
  // Label children looked up once per outcome, not hashed on every decision.
  const byOutcome = new Map<string, { inc(): void }>();
  return {
    registry,
    decided(outcome, seconds) {
      let counter = byOutcome.get(outcome);
      if (!counter) {
        counter = decisions.labels(OUTCOME.test(outcome) ? outcome : "other");
        if (byOutcome.size < 64) byOutcome.set(outcome, counter);
      }
      counter.inc();
      latency.observe(seconds);
    },
    upstreamError(code) {
      upstream.inc({ code: /^[A-Z_]{1,32}$/.test(code) ? code : "OTHER" });
    },
    render: () => registry.metrics(),
  };
}
