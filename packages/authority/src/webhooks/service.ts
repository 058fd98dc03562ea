/**
 * The webhooks of one authority instance: endpoint management, the outbox (including secret
 * distribution for rotation campaigns) and the dispatcher that delivers it.
 */

import type { ServiceContext } from "../context.js";
import type { UnitOfWork } from "../db/transaction.js";
import { validationFailed } from "../errors.js";
import { createDispatcher, type DispatcherOptions } from "./dispatcher.js";
import { createWebhookEndpoints } from "./endpoints.js";
import { enqueueSecret, type SecretDistribution, type SecretEnqueued } from "./outbox.js";

export interface WebhookServiceOptions {
  onError?: (error: unknown) => void;
  /** Jitter source for retry delays, in [0, 1). */
  random?: () => number;
  send?: DispatcherOptions["send"];
}

export function createWebhookService(ctx: ServiceContext, options: WebhookServiceOptions = {}) {
  const { config } = ctx;
  if (config.webhookTimeoutMs < 1) {
    throw validationFailed("TESSERA_WEBHOOK_TIMEOUT must be at least 1ms", { field: "TESSERA_WEBHOOK_TIMEOUT" });
  }
  if (config.webhookPollIntervalMs < 10) {
    throw validationFailed("TESSERA_WEBHOOK_POLL_INTERVAL must be at least 10ms", {
      field: "TESSERA_WEBHOOK_POLL_INTERVAL",
    });
  }
  const dispatcher = createDispatcher({
    db: ctx.db,
    clock: ctx.clock,
    config,
    ...(options.onError ? { onError: options.onError } : {}),
    ...(options.random ? { random: options.random } : {}),
    ...(options.send ? { send: options.send } : {}),
  });
  const endpoints = createWebhookEndpoints(ctx, () => dispatcher.wake());
  return {
    ...endpoints,
    /**
     * Hands a new secret to the owner's endpoints subscribed to `key.secret_distributed`,
     * inside the caller's transaction. Returns `{ endpoints: 0 }` when the owner has none.
     */
    enqueueSecret(unit: UnitOfWork, input: SecretDistribution): Promise<SecretEnqueued> {
      return enqueueSecret(unit, config.masterKey, input);
    },
    /** Deliveries waiting (pending, including retries) and given up on, and the oldest waiting one. */
    async backlog(): Promise<{ pending: number; failed: number; oldestPendingAt: number | null }> {
      const rows = await ctx.db
        .selectFrom("webhook_deliveries")
        .select((eb) => ["status", eb.fn.countAll<number>().as("n"), eb.fn.min("created_at").as("oldest")])
        .where("status", "in", ["pending", "failed"])
        .groupBy("status")
        .execute();
      const pending = rows.find((r) => r.status === "pending");
      const failed = rows.find((r) => r.status === "failed");
      return {
        pending: Number(pending?.n ?? 0),
        failed: Number(failed?.n ?? 0),
        oldestPendingAt: pending?.oldest == null ? null : Number(pending.oldest),
      };
    },
    onOutcome: dispatcher.onOutcome,
    runOnce: dispatcher.runOnce,
    start: dispatcher.start,
    stop: dispatcher.stop,
    wake: dispatcher.wake,
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
