import { type Static, Type } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors, Id, KeySchema, Reason } from "../schemas.js";
import { ChangeReceiptFields, changeWithReceipt, WaitQuery } from "./receipts.schema.js";

const Params = Type.Object({ id: Id("key") });
const Body = Type.Object({ reason: Reason }, { additionalProperties: false });

/** POST /v1/keys/{id}/revoke: durable before it answers; idempotent. */
export const revokeKeyRoute: RouteModule = (app, { authority }) => {
  app.post<{ Params: Static<typeof Params>; Body: Static<typeof Body>; Querystring: Static<typeof WaitQuery> }>(
    "/v1/keys/:id/revoke",
    {
      config: { scopes: ["keys:revoke"] },
      schema: {
        summary: "Revoke an API key",
        description: "Idempotent: revoking a revoked key answers 200 with changed: false and the original record.",
        tags: ["keys"],
        security: [{ bearer: [] }],
        params: Params,
        querystring: WaitQuery,
        body: Body,
        response: {
          200: Type.Object({
            key: KeySchema,
            changed: Type.Boolean(),
            ...ChangeReceiptFields,
          }),
          ...adminErrors,
        },
      },
    },
    async (request) =>
      changeWithReceipt(authority, request, (actor) =>
        authority.lifecycle.revoke(request.params.id, request.body.reason, actor),
      ),
  );
};
