/** The route both key suspension endpoints are made of. */
import { type Static, Type } from "@sinclair/typebox";
import type { KeyLifecycleService } from "../../keys/index.js";
import type { RouteModule } from "../route.js";
import { adminErrors, Id, KeySchema, Reason } from "../schemas.js";
import { ChangeReceiptFields, changeWithReceipt, WaitQuery } from "./receipts.schema.js";

const Params = Type.Object({ id: Id("key") });
const Body = Type.Object({ reason: Reason }, { additionalProperties: false });

const Answer = Type.Object({
  key: KeySchema,
  changed: Type.Boolean(),
  ...ChangeReceiptFields,
});

/**
 * POST /v1/keys/{id}/suspend and /resume (keys.suspend.ts, keys.resume.ts) share this: the
 * same shape as a revocation (`?wait=`, receipt), scope `keys:revoke`.
 */
export function suspensionRoute(
  action: "suspend" | "resume",
  docs: { summary: string; description: string },
): RouteModule {
  return (app, { authority }) => {
    app.post<{ Params: Static<typeof Params>; Body: Static<typeof Body>; Querystring: Static<typeof WaitQuery> }>(
      `/v1/keys/:id/${action}`,
      {
        config: { scopes: ["keys:revoke"] },
        schema: {
          ...docs,
          tags: ["keys"],
          security: [{ bearer: [] }],
          params: Params,
          querystring: WaitQuery,
          body: Body,
          response: { 200: Answer, ...adminErrors },
        },
      },
      async (request) => {
        const operation: KeyLifecycleService["suspend"] = authority.lifecycle[action];
        return changeWithReceipt(authority, request, (actor) =>
          operation(request.params.id, request.body.reason, actor),
        );
      },
    );
  };
}
