import { type Static, Type } from "@sinclair/typebox";
import { parseDuration } from "../../duration.js";
import { actorOf } from "../auth.js";
import type { RouteModule } from "../route.js";
import { adminErrors, Duration } from "../schemas.js";
import { WebhookParams, WebhookWithSecretSchema } from "./webhooks.schema.js";

const Body = Type.Object(
  {
    grace: Type.Optional({
      ...Duration,
      description: "How long the old secret keeps signing beside the new one (default TESSERA_WEBHOOK_SECRET_GRACE).",
    }),
  },
  { additionalProperties: false },
);

/** POST /v1/webhooks/{id}/rotate-secret: a new signing secret, shown once; the old one signs too for a grace window. */
export const rotateWebhookSecretRoute: RouteModule = (app, { authority }) => {
  app.post<{ Params: Static<typeof WebhookParams>; Body: Static<typeof Body> }>(
    "/v1/webhooks/:id/rotate-secret",
    {
      config: { scopes: ["webhooks:write"] },
      schema: {
        summary: "Rotate a webhook endpoint's signing secret",
        tags: ["webhooks"],
        security: [{ bearer: [] }],
        params: WebhookParams,
        body: Body,
        response: { 200: WebhookWithSecretSchema, ...adminErrors },
      },
    },
    async (request) => {
      const graceMs = request.body.grace === undefined ? undefined : parseDuration(request.body.grace, "grace");
      return authority.webhooks.rotateSecret(request.params.id, graceMs, actorOf(request));
    },
  );
};
