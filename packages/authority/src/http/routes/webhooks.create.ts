import { type Static, Type } from "@sinclair/typebox";
import { actorOf } from "../auth.js";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";
import { WebhookWithSecretSchema } from "./webhooks.schema.js";

const Body = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048, description: "https, or http to a loopback address." }),
    owner: Type.Optional(
      Type.String({ minLength: 1, maxLength: 256, description: "Only events about this owner's principals." }),
    ),
    events: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      minItems: 1,
      maxItems: 50,
      description: "Event names, `prefix.*` or `*` (docs/webhooks.md).",
    }),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
);

/** POST /v1/webhooks: register an endpoint; its signing secret is in this answer only. */
export const createWebhookRoute: RouteModule = (app, { authority }) => {
  app.post<{ Body: Static<typeof Body> }>(
    "/v1/webhooks",
    {
      config: { scopes: ["webhooks:write"] },
      schema: {
        summary: "Register a webhook endpoint (the signing secret is shown once)",
        tags: ["webhooks"],
        security: [{ bearer: [] }],
        body: Body,
        response: { 201: WebhookWithSecretSchema, ...adminErrors },
      },
    },
    async (request, reply) => {
      const created = await authority.webhooks.create(request.body, actorOf(request));
      return reply.status(201).send(created);
    },
  );
};
