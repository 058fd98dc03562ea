/**
 * Webhook metrics on the app's registry (one set per registry): attempts by outcome, and the
 * backlog counted at scrape time. Labels are outcomes and statuses only: no URL, no secret.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import type { Clock } from "../clock.js";
import type { WebhookService } from "./service.js";

function create(registry: Registry, webhooks: WebhookService, clock: Clock) {
  const attempts = new Counter({
    name: "tessera_webhook_attempts_total",
    help: "Webhook delivery attempts recorded by this instance, by outcome: delivered, retrying, failed.",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  webhooks.onOutcome((outcome) => attempts.inc({ outcome }));
  let backlog: ReturnType<WebhookService["backlog"]> | null = null;
  // Both gauges read one query per scrape.
  const read = () => {
    backlog ??= webhooks.backlog().finally(() => {
      setImmediate(() => {
        backlog = null;
      });
    });
    return backlog;
  };
  new Gauge({
    name: "tessera_webhook_deliveries",
    help: "Webhook deliveries waiting (pending, retries included) and given up on (failed), counted at scrape time.",
    labelNames: ["status"] as const,
    registers: [registry],
    async collect() {
      const { pending, failed } = await read();
      this.set({ status: "pending" }, pending);
      this.set({ status: "failed" }, failed);
    },
  });
  new Gauge({
    name: "tessera_webhook_oldest_pending_seconds",
    help: "Age of the oldest webhook delivery not yet delivered (0 when none waits).",
    registers: [registry],
    async collect() {
      const { oldestPendingAt } = await read();
      this.set(oldestPendingAt === null ? 0 : Math.max(0, (clock.now() - oldestPendingAt) / 1000));
    },
  });
  return { attempts };
}

const byRegistry = new WeakMap<Registry, ReturnType<typeof create>>();

export function webhookMetrics(registry: Registry, webhooks: WebhookService, clock: Clock) {
  let metrics = byRegistry.get(registry);
  if (!metrics) {
    metrics = create(registry, webhooks, clock);
    byRegistry.set(registry, metrics);
  }
  return metrics;
}
