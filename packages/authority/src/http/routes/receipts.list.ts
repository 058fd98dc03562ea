import { type Static, Type } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";
import { ReceiptSchema } from "./receipts.schema.js";

const Query = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 20 })) },
  { additionalProperties: false },
);

/**
 * GET /v1/receipts: the newest revocation receipts, each with its confirmations so far: the
 * time-to-revoke figures an operator watches (the dashboard's overview reads it).
 */
export const listReceiptsRoute: RouteModule = (app, { authority }) => {
  app.get<{ Querystring: Static<typeof Query> }>(
    "/v1/receipts",
    {
      config: { scopes: ["keys:read"] },
      schema: {
        summary: "List the newest revocation receipts",
        tags: ["keys"],
        security: [{ bearer: [] }],
        querystring: Query,
        response: { 200: Type.Object({ items: Type.Array(ReceiptSchema) }), ...adminErrors },
      },
    },
    async (request) => ({ items: await authority.feed.receipts.recent(request.query.limit ?? 20) }),
  );
};
