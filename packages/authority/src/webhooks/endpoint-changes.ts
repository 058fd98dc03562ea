/**
 * Changing a webhook endpoint after it was created: disable it, rotate its signing secret, queue
 * a test event. Each change is one transaction with its audit record.
 */

import type { ServiceContext } from "../context.js";
import type { WebhookDeliveriesTable, WebhookEndpointsTable } from "../db/schema.js";
import { runUnitOfWork, type UnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { notFound, TesseraError, validationFailed } from "../errors.js";
import { sealEndpointSecret } from "./endpoint-secret.js";
import { TEST_EVENT_TYPE } from "./events.js";
import { newEventId, newSigningSecret } from "./ids.js";
import { newDeliveryRow } from "./outbox.js";
import { toWebhookView, type WebhookView } from "./views.js";

async function endpointIn(unit: UnitOfWork, id: string): Promise<WebhookEndpointsTable> {
  const current = await unit.trx.selectFrom("webhook_endpoints").selectAll().where("id", "=", id).executeTakeFirst();
  if (!current) throw notFound("webhook", id);
  return current;
}

async function activeEndpointIn(unit: UnitOfWork, id: string): Promise<WebhookEndpointsTable> {
  const current = await endpointIn(unit, id);
  if (current.status !== "active") throw new TesseraError("conflict", `webhook ${id} is disabled`, { details: { id } });
  return current;
}

/**
 * Disables an endpoint: nothing more is queued for it, and what was queued and not in flight
 * is cancelled (distributed secrets among them are erased). Disabling twice changes nothing.
 */
export async function disableEndpoint(
  ctx: ServiceContext,
  id: string,
  reason: string | undefined,
  actor: Actor,
): Promise<WebhookView> {
  if (reason !== undefined && (reason.trim() === "" || reason.length > 1024)) {
    throw validationFailed("reason must be 1-1024 characters", { field: "reason" });
  }
  return runUnitOfWork(ctx, async (unit) => {
    const current = await endpointIn(unit, id);
    if (current.status === "disabled") return toWebhookView(current, unit.now);
    const changes = {
      status: "disabled" as const,
      updated_at: unit.now,
      disabled_at: unit.now,
      disabled_by: actor.id,
      disabled_reason: reason ?? null,
      previous_secret_enc: null,
      previous_secret_until: null,
    };
    await unit.trx.updateTable("webhook_endpoints").set(changes).where("id", "=", id).execute();
    const cancelled = await unit.trx
      .updateTable("webhook_deliveries")
      .set({ status: "cancelled", next_attempt_at: null, secret_enc: null, last_error: "endpoint disabled" })
      .where("endpoint_id", "=", id)
      .where("status", "=", "pending")
      .where("lease_id", "is", null)
      .returning("id")
      .execute();
    await unit.appendAudit({
      actor: actor.id,
      action: "webhook.disabled",
      targetType: "webhook",
      targetId: id,
      reason: reason ?? null,
      requestId: actor.requestId ?? null,
      data: { cancelledDeliveries: cancelled.length },
    });
    return toWebhookView({ ...current, ...changes }, unit.now);
  });
}

/**
 * A new signing secret, shown once. For `graceMs` the old one keeps signing beside it
 * (`v1=<new>,v1=<old>`), so receivers can switch without losing a delivery.
 */
export async function rotateEndpointSecret(
  ctx: ServiceContext,
  id: string,
  graceMs: number | undefined,
  actor: Actor,
): Promise<{ webhook: WebhookView; secret: string }> {
  const grace = graceMs ?? ctx.config.webhookSecretGraceMs;
  if (!Number.isInteger(grace) || grace < 0 || grace > 30 * 86_400_000) {
    throw validationFailed("grace must be from 0 to 30d", { field: "grace" });
  }
  const secret = newSigningSecret();
  const view = await runUnitOfWork(ctx, async (unit) => {
    const current = await activeEndpointIn(unit, id);
    const changes = {
      secret_enc: sealEndpointSecret(ctx.config, id, secret),
      previous_secret_enc: grace > 0 ? current.secret_enc : null,
      previous_secret_until: grace > 0 ? unit.now + grace : null,
      updated_at: unit.now,
    };
    await unit.trx.updateTable("webhook_endpoints").set(changes).where("id", "=", id).execute();
    await unit.appendAudit({
      actor: actor.id,
      action: "webhook.secret_rotated",
      targetType: "webhook",
      targetId: id,
      requestId: actor.requestId ?? null,
      data: { graceMs: grace },
    });
    return toWebhookView({ ...current, ...changes }, unit.now);
  });
  return { webhook: view, secret };
}

/** Queues a `webhook.test` event for this endpoint alone; answers the queued delivery row. */
export async function queueTestEvent(ctx: ServiceContext, id: string, actor: Actor): Promise<WebhookDeliveriesTable> {
  return runUnitOfWork(ctx, async (unit) => {
    await activeEndpointIn(unit, id);
    const event = {
      id: newEventId(),
      type: TEST_EVENT_TYPE,
      at: unit.now,
      seq: null,
      data: { webhookId: id, message: "a test event from Tessera: verify its signature" },
    };
    const delivery = newDeliveryRow(id, event, unit.now);
    await unit.trx.insertInto("webhook_deliveries").values(delivery).execute();
    await unit.appendAudit({
      actor: actor.id,
      action: "webhook.test_sent",
      targetType: "webhook",
      targetId: id,
      requestId: actor.requestId ?? null,
      data: { eventId: event.id, deliveryId: delivery.id },
    });
    return delivery;
  });
}
