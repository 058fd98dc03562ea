/** The route both principal suspension endpoints are made of. */
import { type Static, Type } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors, Id, PrincipalSchema, Reason } from "../schemas.js";
import { ChangeReceiptFields, changeWithReceipt, WaitQuery } from "./receipts.schema.js";

const Params = Type.Object({ id: Id("prn") });
const Body = Type.Object({ reason: Reason }, { additionalProperties: false });

const Answer = Type.Object({
  principal: PrincipalSchema,
  changed: Type.Boolean(),
  keyIds: Type.Array(Type.String(), { description: "The keys this call suspended or resumed." }),
  ...ChangeReceiptFields,
});

/**
 * POST /v1/principals/{id}/suspend and /resume (principals.suspend.ts, principals.resume.ts):
 * the shape of a revocation (`?wait=`, receipt); scopes of disabling a principal.
 */
export function principalSuspensionRoute(
  action: "suspend" | "resume",
  docs: { summary: string; description: string },
): RouteModule {
  return (app, { authority }) => {
    app.post<{ Params: Static<typeof Params>; Body: Static<typeof Body>; Querystring: Static<typeof WaitQuery> }>(
      `/v1/principals/:id/${action}`,
      {
        config: { scopes: ["principals:write", "keys:revoke"] },
        schema: {
          ...docs,
          tags: ["principals"],
          security: [{ bearer: [] }],
          params: Params,
          querystring: WaitQuery,
          body: Body,
          response: { 200: Answer, ...adminErrors },
        },
      },
      async (request) =>
        changeWithReceipt(authority, request, (actor) =>
          authority.principalSuspension[action](request.params.id, request.body.reason, actor),
        ),
    );
  };
}
