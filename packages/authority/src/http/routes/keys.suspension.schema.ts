/** The route both key suspension endpoints are made of. */
import { type Static, Type } from "@sinclair/typebox";
import type { KeyLifecycleService } from "../../keys/index.js";
import { actorOf } from "../auth.js";
import type { RouteModule } from "../route.js";
import { adminErrors, Id, KeySchema, Reason } from "../schemas.js";
import { parseWait, ReceiptSchema, receiptFor, WaitQuery } from "./receipts.schema.js";

const Params = Type.Object({ id: Id("key") });
const Body = Type.Object({ reason: Reason }, { additionalProperties: false });

const Answer = Type.Object({
  key: KeySchema,
  changed: Type.Boolean(),
  sequence: Type.Union([Type.Integer(), Type.Null()]),
  receipt: Type.Union([ReceiptSchema, Type.Null()]),
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
        const actor = actorOf(request);
        const waitMs = parseWait(request.query.wait);
        const operation: KeyLifecycleService["suspend"] = authority.lifecycle[action];
        const result = await operation(request.params.id, request.body.reason, actor);
        return { ...result, receipt: await receiptFor(authority, result.sequence, waitMs, actor) };
      },
    );
  };
}
