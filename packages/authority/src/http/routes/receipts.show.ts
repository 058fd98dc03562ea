import { type Static, Type } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors, Id } from "../schemas.js";
import { ReceiptSchema } from "./receipts.schema.js";

const Params = Type.Object({ id: Id("rct") });

/** GET /v1/receipts/{id}: a revocation receipt, with confirmations that arrived after the answer. */
export const showReceiptRoute: RouteModule = (app, { authority }) => {
  app.get<{ Params: Static<typeof Params> }>(
    "/v1/receipts/:id",
    {
      config: { scopes: ["keys:read"] },
      schema: {
        summary: "Show a revocation receipt",
        tags: ["keys"],
        security: [{ bearer: [] }],
        params: Params,
        response: { 200: ReceiptSchema, ...adminErrors },
      },
    },
    async (request) => authority.feed.receipts.get(request.params.id),
  );
};
