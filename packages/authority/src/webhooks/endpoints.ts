/**
 * Webhook endpoints: create (the signing secret shown once), list, show, disable, rotate the
 * secret, read the delivery log, send a test event. Each change is one transaction with its
 * audit record; secrets are stored only encrypted under the master key.
 *
 * Creation lives here; later changes in endpoint-changes.ts, reads in endpoint-reads.ts. The
 * factory only wires them.
 */

import type { ServiceContext } from "../context.js";
import type { WebhookEndpointsTable } from "../db/schema.js";
import { runUnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { type AllowList, parseAllowList } from "../domain/address-policy.js";
import { validationFailed } from "../errors.js";
import { disableEndpoint, queueTestEvent, rotateEndpointSecret } from "./endpoint-changes.js";
import {
  type DeliveryFilter,
  getEndpoint,
  listDeliveries,
  listEndpoints,
  type WebhookFilter,
} from "./endpoint-reads.js";
import { sealEndpointSecret } from "./endpoint-secret.js";
import { normalizeEventPatterns, SECRET_EVENT_TYPE } from "./events.js";
import { newEndpointId, newSigningSecret } from "./ids.js";
import { lockCursor } from "./outbox.js";
import { validateWebhookUrl } from "./url.js";
import { type DeliveryView, toDeliveryView, toWebhookView, type WebhookView } from "./views.js";

export type { DeliveryFilter, WebhookFilter } from "./endpoint-reads.js";

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

/** The endpoint's fields as given, checked; throws validation_failed naming the field. */
function checkCreateInput(input: CreateWebhookInput, allow: AllowList) {
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
  return { url, events, owner, description };
}

export async function createEndpoint(
  ctx: ServiceContext,
  allow: AllowList,
  input: CreateWebhookInput,
  actor: Actor,
): Promise<WebhookWithSecret> {
  const { url, events, owner, description } = checkCreateInput(input, allow);
  const id = newEndpointId();
  const secret = newSigningSecret();
  const view = await runUnitOfWork(ctx, async (unit) => {
    // The endpoint receives changes committed after this one. The cursor row is locked so the
    // tail cannot skip past the head it reads while the endpoint is not yet visible to it.
    await lockCursor(unit.trx, false);
    const head = await unit.trx.selectFrom("sequences").select("value").where("name", "=", "change").executeTakeFirst();
    const inserted: WebhookEndpointsTable = {
      id,
      url,
      owner: owner ?? null,
      events: JSON.stringify(events),
      description,
      status: "active",
      secret_enc: sealEndpointSecret(ctx.config, id, secret),
      previous_secret_enc: null,
      previous_secret_until: null,
      from_seq: Number(head?.value ?? 0),
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

export function createWebhookEndpoints(ctx: ServiceContext, onQueued: () => void) {
  const allow = parseAllowList(ctx.config.webhookAllowHosts);
  return {
    create: (input: CreateWebhookInput, actor: Actor) => createEndpoint(ctx, allow, input, actor),
    get: (id: string) => getEndpoint(ctx, id),
    list: (filter?: WebhookFilter) => listEndpoints(ctx, filter),
    disable: (id: string, reason: string | undefined, actor: Actor) => disableEndpoint(ctx, id, reason, actor),
    rotateSecret: (id: string, graceMs: number | undefined, actor: Actor): Promise<WebhookWithSecret> =>
      rotateEndpointSecret(ctx, id, graceMs, actor),
    deliveries: (id: string, filter?: DeliveryFilter) => listDeliveries(ctx, id, filter),
    /** Queues a `webhook.test` event for this endpoint alone; the dispatcher sends it at once. */
    async sendTest(id: string, actor: Actor): Promise<DeliveryView> {
      const queued = await queueTestEvent(ctx, id, actor);
      onQueued();
      return toDeliveryView(queued, []);
    },
  };
}
