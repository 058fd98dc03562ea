import { type Static, Type } from "@sinclair/typebox";
import { actorOf } from "../auth.js";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";
import { DeliverySchema, WebhookParams } from "./webhooks.schema.js";

const Body = Type.Object({}, { additionalProperties: false });

/** POST /v1/webhooks/{id}/test: queue a signed `webhook.test` event for this endpoint. */
export const testWebhookRoute: RouteModule = (app, { authority }) => {
  app.post<{ Params: Static<typeof WebhookParams>; Body: Static<typeof Body> }>(
    "/v1/webhooks/:id/test",
    {
      config: { scopes: ["webhooks:write"] },
      schema: {
        summary: "Send a test event to a webhook endpoint",
        tags: ["webhooks"],
        security: [{ bearer: [] }],
        params: WebhookParams,
        body: Body,
        response: { 202: DeliverySchema, ...adminErrors },
      },
    },
    async (request, reply) => {
      const delivery = await authority.webhooks.sendTest(request.params.id, actorOf(request));
      return reply.status(202).send(delivery);
    },
  );
};
