/**
 * Prometheus metrics of one authority instance. A registry per instance (not prom-client's
 * global) so that tests and several instances in one process never share counters.
 * Labels never carry a secret or a token: routes are the route patterns, not raw URLs.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { KeyState } from "../domain/keys.js";

export function createMetrics(countKeysByState: () => Promise<Record<KeyState, number>>) {
  const registry = new Registry();
  // No prefix: process_cpu_seconds_total, nodejs_heap_size_used_bytes... are the names every
  // Node.js dashboard and alert expects (a prefix once produced tessera_process_process_*).
  collectDefaultMetrics({ register: registry });

  const httpRequests = new Counter({
    name: "tessera_http_requests_total",
    help: "HTTP requests by route pattern, method and status code.",
    labelNames: ["route", "method", "status"] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: "tessera_http_request_duration_seconds",
    help: "HTTP request duration by route pattern.",
    labelNames: ["route", "method"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const introspections = new Counter({
    name: "tessera_introspections_total",
    help: "Token introspections by outcome: active, inactive, malformed.",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  const authFailures = new Counter({
    name: "tessera_admin_auth_failures_total",
    help: "Admin API calls refused, by reason.",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: "tessera_rate_limited_total",
    help: "Requests answered 429, by the limit that refused them: address, client, failed_auth.",
    labelNames: ["limit"] as const,
    registers: [registry],
  });
  new Gauge({
    name: "tessera_api_keys",
    help: "API keys by state (active, deprecated, revoked, expired), counted at scrape time.",
    labelNames: ["state"] as const,
    registers: [registry],
    async collect() {
      const counts = await countKeysByState();
      for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
    },
  });

  // Label sets are route patterns, methods and statuses: few. Binding each once saves
  // prom-client hashing the labels on every request.
  const requestSeries = new Map<string, { count: { inc(): void }; duration: { observe(value: number): void } }>();
  /** Counts one answered request and its duration (ms, as Fastify measures it). */
  function observeRequest(route: string, method: string, status: number, elapsedMs: number): void {
    const id = `${method} ${status} ${route}`;
    let series = requestSeries.get(id);
    if (!series) {
      series = {
        count: httpRequests.labels({ route, method, status: String(status) }),
        duration: httpDuration.labels({ route, method }),
      };
      requestSeries.set(id, series);
    }
    series.count.inc();
    series.duration.observe(elapsedMs / 1000);
  }

  return { registry, httpRequests, httpDuration, observeRequest, introspections, authFailures, rateLimited };
}

export type Metrics = ReturnType<typeof createMetrics>;
