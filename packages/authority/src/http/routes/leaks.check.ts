import { type Static, Type } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";

const Body = Type.Object(
  { tokens: Type.Array(Type.String({ maxLength: 512 }), { minItems: 1, maxItems: 500 }) },
  { additionalProperties: false },
);

/** POST /v1/leaks/check: are these found tokens live? Used by `tessera scan --url`. */
export const checkLeaksRoute: RouteModule = (app, { authority }) => {
  app.post<{ Body: Static<typeof Body> }>(
    "/v1/leaks/check",
    {
      config: { scopes: ["leaks:check"] },
      schema: {
        summary: "Check whether found tokens are live",
        description: "For each token: active, deprecated, revoked, expired or unknown, with the key id when known.",
        tags: ["leaks"],
        security: [{ bearer: [] }],
        body: Body,
        response: {
          200: Type.Object({
            results: Type.Array(
              Type.Object({
                index: Type.Integer(),
                status: Type.String(),
                keyId: Type.Union([Type.String(), Type.Null()]),
              }),
            ),
          }),
          ...adminErrors,
        },
      },
    },
    async (request) => ({ results: await authority.leaks.check(request.body.tokens) }),
  );
};
