/**
 * Webhook endpoints: create (the signing secret shown once), list, show, disable, rotate the
 * secret, read the delivery log, send a test event. Each change is one transaction with its
 * audit record; secrets are stored only encrypted under the master key.
 */

import type { ServiceContext } from "../context.js";
import { type Page, pageNewestFirst } from "../db/pagination.js";
import { runUnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { notFound, TesseraError, validationFailed } from "../errors.js";
import { parseAllowList } from "./address-policy.js";
import { normalizeEventPatterns, SECRET_EVENT_TYPE, TEST_EVENT_TYPE } from "./events.js";
import { endpointSecretContext, newEndpointId, newEventId, newSigningSecret } from "./ids.js";
import { lockCursor, newDeliveryRow } from "./outbox.js";
import type { DeliveryStatus, WebhookEndpointsTable, WebhookStatus } from "./schema.js";
import { validateWebhookUrl } from "./url.js";
import { type DeliveryView, toDeliveryView, toWebhookView, type WebhookView } from "./views.js";

export interface CreateWebhookInput {
  url: string;
  owner?: string;
  events: string[];
  description?: string;
}

export interface WebhookWithSecret {
  webhook: WebhookView;
  /** The signing secret: shown here once, never again. */
  secret: string;
}

export interface WebhookFilter {
  owner?: string;
  status?: WebhookStatus;
  limit?: number;
  cursor?: string;
}

export interface DeliveryFilter {
  status?: DeliveryStatus;
  limit?: number;
  cursor?: string;
}

export function createWebhookEndpoints(ctx: ServiceContext, onQueued: () => void) {
  const { db, clock, config } = ctx;
  const allow = parseAllowList(config.webhookAllowHosts);
  const seal = (id: string, secret: string) =>
    config.masterKey.encrypt(Buffer.from(secret, "utf8"), endpointSecretContext(id));

  async function row(id: string) {
    const found = await db.selectFrom("webhook_endpoints").selectAll().where("id", "=", id).executeTakeFirst();
    if (!found) throw notFound("webhook", id);
    return found;
  }

  async function create(input: CreateWebhookInput, actor: Actor): Promise<WebhookWithSecret> {
    const url = validateWebhookUrl(input.url, allow);
    const events = normalizeEventPatterns(input.events);
    const owner = input.owner?.trim();
    if (input.owner !== undefined && (owner === "" || input.owner.length > 256)) {
      throw validationFailed("owner must be 1-256 characters", { field: "owner" });
    }
    if (events.includes(SECRET_EVENT_TYPE) && owner === undefined) {
      throw validationFailed(`${SECRET_EVENT_TYPE} carries secrets: subscribe to it only with an owner`, {
        field: "events",
      });
    }
    const description = input.description ?? "";
    if (description.length > 1024)
      throw validationFailed("description must be at most 1024 characters", { field: "description" });
    const id = newEndpointId();
    const secret = newSigningSecret();
    const view = await runUnitOfWork(db, clock, async (unit) => {
      // The endpoint receives changes committed after this one. The cursor row is locked so the
      // tail cannot skip past the head it reads while the endpoint is not yet visible to it.
      await lockCursor(unit.trx, false);
      const head = await unit.trx
        .selectFrom("sequences")
        .select("value")
        .where("name", "=", "change")
        .executeTakeFirst();
      const fromSeq = Number(head?.value ?? 0);
      const inserted: WebhookEndpointsTable = {
        id,
        url,
        owner: owner ?? null,
        events: JSON.stringify(events),
        description,
        status: "active",
        secret_enc: seal(id, secret),
        previous_secret_enc: null,
        previous_secret_until: null,
        from_seq: fromSeq,
        created_at: unit.now,
        created_by: actor.id,
        updated_at: unit.now,
        disabled_at: null,
        disabled_by: null,
        disabled_reason: null,
      };
      await unit.trx.insertInto("webhook_endpoints").values(inserted).execute();
      await unit.appendAudit({
        actor: actor.id,
        action: "webhook.created",
        targetType: "webhook",
        targetId: id,
        requestId: actor.requestId ?? null,
        data: { url, owner: owner ?? null, events, description },
      });
      return toWebhookView(inserted, unit.now);
    });
    return { webhook: view, secret };
  }

  async function get(id: string): Promise<WebhookView> {
    return toWebhookView(await row(id), clock.now());
  }

  async function list(filter: WebhookFilter = {}): Promise<Page<WebhookView>> {
    let query = db.selectFrom("webhook_endpoints").selectAll();
    if (filter.owner !== undefined) query = query.where("owner", "=", filter.owner);
    if (filter.status !== undefined) query = query.where("status", "=", filter.status);
    const now = clock.now();
    return pageNewestFirst(query, filter, (r) => toWebhookView(r, now));
  }

  /**
   * Disables an endpoint: nothing more is queued for it, and what was queued and not in flight
   * is cancelled (distributed secrets among them are erased). Disabling twice changes nothing.
   */
  async function disable(id: string, reason: string | undefined, actor: Actor): Promise<WebhookView> {
    if (reason !== undefined && (reason.trim() === "" || reason.length > 1024)) {
      throw validationFailed("reason must be 1-1024 characters", { field: "reason" });
    }
    return runUnitOfWork(db, clock, async (unit) => {
      const current = await unit.trx
        .selectFrom("webhook_endpoints")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirst();
      if (!current) throw notFound("webhook", id);
      if (current.status === "disabled") return toWebhookView(current, unit.now);
      const updated: WebhookEndpointsTable = {
        ...current,
        status: "disabled",
        updated_at: unit.now,
        disabled_at: unit.now,
        disabled_by: actor.id,
        disabled_reason: reason ?? null,
        previous_secret_enc: null,
        previous_secret_until: null,
      };
      await unit.trx
        .updateTable("webhook_endpoints")
        .set({
          status: "disabled",
          updated_at: unit.now,
          disabled_at: unit.now,
          disabled_by: actor.id,
          disabled_reason: reason ?? null,
          previous_secret_enc: null,
          previous_secret_until: null,
        })
        .where("id", "=", id)
        .execute();
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
      return toWebhookView(updated, unit.now);
    });
  }

  /**
   * A new signing secret, shown once. For `graceMs` the old one keeps signing beside it
   * (`v1=<new>,v1=<old>`), so receivers can switch without losing a delivery.
   */
  async function rotateSecret(id: string, graceMs: number | undefined, actor: Actor): Promise<WebhookWithSecret> {
    const grace = graceMs ?? config.webhookSecretGraceMs;
    if (!Number.isInteger(grace) || grace < 0 || grace > 30 * 86_400_000) {
      throw validationFailed("grace must be from 0 to 30d", { field: "grace" });
    }
    const secret = newSigningSecret();
    const view = await runUnitOfWork(db, clock, async (unit) => {
      const current = await unit.trx
        .selectFrom("webhook_endpoints")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirst();
      if (!current) throw notFound("webhook", id);
      if (current.status !== "active")
        throw new TesseraError("conflict", `webhook ${id} is disabled`, { details: { id } });
      const changes = {
        secret_enc: seal(id, secret),
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

  async function deliveries(id: string, filter: DeliveryFilter = {}): Promise<Page<DeliveryView>> {
    await row(id);
    let query = db.selectFrom("webhook_deliveries").selectAll().where("endpoint_id", "=", id);
    if (filter.status !== undefined) query = query.where("status", "=", filter.status);
    const page = await pageNewestFirst(query, filter, (r) => r);
    const ids = page.items.map((r) => r.id);
    const attempts =
      ids.length === 0
        ? []
        : await db
            .selectFrom("webhook_delivery_attempts")
            .selectAll()
            .where("delivery_id", "in", ids)
            .orderBy("attempt")
            .execute();
    return {
      items: page.items.map((r) =>
        toDeliveryView(
          r,
          attempts.filter((a) => a.delivery_id === r.id),
        ),
      ),
      nextCursor: page.nextCursor,
    };
  }

  /** Queues a `webhook.test` event for this endpoint alone; the dispatcher sends it at once. */
  async function sendTest(id: string, actor: Actor): Promise<DeliveryView> {
    const queued = await runUnitOfWork(db, clock, async (unit) => {
      const current = await unit.trx
        .selectFrom("webhook_endpoints")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirst();
      if (!current) throw notFound("webhook", id);
      if (current.status !== "active")
        throw new TesseraError("conflict", `webhook ${id} is disabled`, { details: { id } });
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
    onQueued();
    return toDeliveryView(queued, []);
  }

  return { create, get, list, disable, rotateSecret, deliveries, sendTest };
}
