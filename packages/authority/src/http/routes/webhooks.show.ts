import type { Static } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";
import { WebhookParams, WebhookSchema } from "./webhooks.schema.js";

/** GET /v1/webhooks/{id} */
export const showWebhookRoute: RouteModule = (app, { authority }) => {
  app.get<{ Params: Static<typeof WebhookParams> }>(
    "/v1/webhooks/:id",
    {
      config: { scopes: ["webhooks:read"] },
      schema: {
        summary: "Show a webhook endpoint (never its secret)",
        tags: ["webhooks"],
        security: [{ bearer: [] }],
        params: WebhookParams,
        response: { 200: WebhookSchema, ...adminErrors },
      },
    },
    async (request) => authority.webhooks.get(request.params.id),
  );
};
