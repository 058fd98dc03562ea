/** Reading webhook endpoints and their delivery log. */

import type { ServiceContext } from "../context.js";
import { type Page, pageNewestFirst } from "../db/pagination.js";
import type { DeliveryStatus, WebhookStatus } from "../db/schema.js";
import { notFound } from "../errors.js";
import { type DeliveryView, toDeliveryView, toWebhookView, type WebhookView } from "./views.js";

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

async function endpointRow(ctx: ServiceContext, id: string) {
  const found = await ctx.db.selectFrom("webhook_endpoints").selectAll().where("id", "=", id).executeTakeFirst();
  if (!found) throw notFound("webhook", id);
  return found;
}

export async function getEndpoint(ctx: ServiceContext, id: string): Promise<WebhookView> {
  return toWebhookView(await endpointRow(ctx, id), ctx.clock.now());
}

export async function listEndpoints(ctx: ServiceContext, filter: WebhookFilter = {}): Promise<Page<WebhookView>> {
  let query = ctx.db.selectFrom("webhook_endpoints").selectAll();
  if (filter.owner !== undefined) query = query.where("owner", "=", filter.owner);
  if (filter.status !== undefined) query = query.where("status", "=", filter.status);
  const now = ctx.clock.now();
  return pageNewestFirst(query, filter, (r) => toWebhookView(r, now));
}

/** One page of an endpoint's deliveries, newest first, each with its attempts. */
export async function listDeliveries(
  ctx: ServiceContext,
  id: string,
  filter: DeliveryFilter = {},
): Promise<Page<DeliveryView>> {
  const { db } = ctx;
  await endpointRow(ctx, id);
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
