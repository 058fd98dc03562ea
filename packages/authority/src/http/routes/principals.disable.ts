import { type Static, Type } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors, Id, PrincipalSchema, Reason } from "../schemas.js";
import { ChangeReceiptFields, changeWithReceipt, WaitQuery } from "./receipts.schema.js";

const Params = Type.Object({ id: Id("prn") });
const Body = Type.Object({ reason: Reason }, { additionalProperties: false });

/** POST /v1/principals/{id}/disable: disable and revoke every credential it holds, at once. */
export const disablePrincipalRoute: RouteModule = (app, { authority }) => {
  app.post<{ Params: Static<typeof Params>; Body: Static<typeof Body>; Querystring: Static<typeof WaitQuery> }>(
    "/v1/principals/:id/disable",
    {
      config: { scopes: ["principals:write", "keys:revoke"] },
      schema: {
        summary: "Disable a principal and revoke all its credentials",
        tags: ["principals"],
        security: [{ bearer: [] }],
        params: Params,
        querystring: WaitQuery,
        body: Body,
        response: {
          200: Type.Object({
            principal: PrincipalSchema,
            revokedKeyIds: Type.Array(Type.String()),
            ...ChangeReceiptFields,
          }),
          ...adminErrors,
        },
      },
    },
    async (request) =>
      changeWithReceipt(authority, request, (actor) =>
        authority.principals.disable(request.params.id, request.body.reason, actor),
      ),
  );
};
