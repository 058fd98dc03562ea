import { type Static, Type } from "@sinclair/typebox";
import { webhookMetrics } from "../../webhooks/metrics.js";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";
import { DeliverySchema, DeliveryStatusSchema, WebhookParams } from "./webhooks.schema.js";

const Query = Type.Object(
  {
    status: Type.Optional(DeliveryStatusSchema),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
);

/**
 * GET /v1/webhooks/{id}/deliveries: the delivery log, newest first: event, status, every
 * attempt with its status code or error, the next attempt. Never a payload or a secret.
 */
export const listWebhookDeliveriesRoute: RouteModule = (app, { authority, metrics }) => {
  // The webhook metrics live on the app's registry; this route module is where they are hooked up.
  webhookMetrics(metrics.registry, authority.webhooks, authority.clock);
  app.get<{ Params: Static<typeof WebhookParams>; Querystring: Static<typeof Query> }>(
    "/v1/webhooks/:id/deliveries",
    {
      config: { scopes: ["webhooks:read"] },
      schema: {
        summary: "The delivery log of a webhook endpoint",
        tags: ["webhooks"],
        security: [{ bearer: [] }],
        params: WebhookParams,
        querystring: Query,
        response: {
          200: Type.Object({ items: Type.Array(DeliverySchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
          ...adminErrors,
        },
      },
    },
    async (request) => authority.webhooks.deliveries(request.params.id, request.query),
  );
};
