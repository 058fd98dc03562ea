import { type Static, Type } from "@sinclair/typebox";
import { actorOf } from "../auth.js";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";
import { WebhookParams, WebhookSchema } from "./webhooks.schema.js";

const Query = Type.Object(
  { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })) },
  { additionalProperties: false },
);

/**
 * DELETE /v1/webhooks/{id}: disables the endpoint (kept, with its delivery log, for the
 * record); deliveries still queued for it are cancelled.
 */
export const deleteWebhookRoute: RouteModule = (app, { authority }) => {
  app.delete<{ Params: Static<typeof WebhookParams>; Querystring: Static<typeof Query> }>(
    "/v1/webhooks/:id",
    {
      config: { scopes: ["webhooks:write"] },
      schema: {
        summary: "Disable a webhook endpoint and cancel what is queued for it",
        tags: ["webhooks"],
        security: [{ bearer: [] }],
        params: WebhookParams,
        querystring: Query,
        response: { 200: WebhookSchema, ...adminErrors },
      },
    },
    async (request) => authority.webhooks.disable(request.params.id, request.query.reason, actorOf(request)),
  );
};
