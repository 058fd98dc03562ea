import { type Static, Type } from "@sinclair/typebox";
import { actorOf } from "../auth.js";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";

const Body = Type.Object(
  {
    action: Type.Optional(
      Type.Union([Type.Literal("revoke"), Type.Literal("deprecate"), Type.Literal("notify")], {
        description: "Overrides the deployment's policy (TESSERA_LEAK_ACTION) for this batch.",
      }),
    ),
    leaks: Type.Array(
      Type.Object(
        {
          token: Type.String({ maxLength: 512 }),
          location: Type.String({ minLength: 1, maxLength: 512 }),
          detector: Type.Optional(Type.String({ maxLength: 64 })),
          fingerprint: Type.Optional(Type.String({ maxLength: 128 })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 500 },
    ),
  },
  { additionalProperties: false },
);

/**
 * POST /v1/leaks: report found tokens, like a secret-scanning partner endpoint. Live keys are
 * revoked (reason `leaked: <location>`), deprecated with a short expiry, or only recorded,
 * per policy; every finding is audited.
 */
export const reportLeaksRoute: RouteModule = (app, { authority }) => {
  app.post<{ Body: Static<typeof Body> }>(
    "/v1/leaks",
    {
      config: { scopes: ["leaks:report"] },
      schema: {
        summary: "Report leaked tokens",
        tags: ["leaks"],
        security: [{ bearer: [] }],
        body: Body,
        response: {
          200: Type.Object({
            action: Type.String(),
            results: Type.Array(
              Type.Object({
                index: Type.Integer(),
                keyId: Type.Union([Type.String(), Type.Null()]),
                statusBefore: Type.String(),
                actionTaken: Type.String(),
              }),
            ),
          }),
          ...adminErrors,
        },
      },
    },
    async (request) => {
      const action = request.body.action ?? authority.config.leakAction;
      return { action, results: await authority.leaks.report(request.body.leaks, action, actorOf(request)) };
    },
  );
};
