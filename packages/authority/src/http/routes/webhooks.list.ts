import { type Static, Type } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";
import { WebhookSchema } from "./webhooks.schema.js";

const Query = Type.Object(
  {
    owner: Type.Optional(Type.String({ maxLength: 256 })),
    status: Type.Optional(Type.Union([Type.Literal("active"), Type.Literal("disabled")])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
);

/** GET /v1/webhooks: endpoints, newest first (never their secrets). */
export const listWebhooksRoute: RouteModule = (app, { authority }) => {
  app.get<{ Querystring: Static<typeof Query> }>(
    "/v1/webhooks",
    {
      config: { scopes: ["webhooks:read"] },
      schema: {
        summary: "List webhook endpoints",
        tags: ["webhooks"],
        security: [{ bearer: [] }],
        querystring: Query,
        response: {
          200: Type.Object({ items: Type.Array(WebhookSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
          ...adminErrors,
        },
      },
    },
    async (request) => authority.webhooks.list(request.query),
  );
};
