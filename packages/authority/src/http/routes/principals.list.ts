import { type Static, Type } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors, PrincipalKind, PrincipalSchema } from "../schemas.js";

const Query = Type.Object(
  {
    owner: Type.Optional(Type.String({ maxLength: 256 })),
    kind: Type.Optional(PrincipalKind),
    status: Type.Optional(Type.Union([Type.Literal("active"), Type.Literal("disabled")])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
);

/** GET /v1/principals: list, newest first, with a cursor. */
export const listPrincipalsRoute: RouteModule = (app, { authority }) => {
  app.get<{ Querystring: Static<typeof Query> }>(
    "/v1/principals",
    {
      config: { scopes: ["principals:read"] },
      schema: {
        summary: "List principals",
        tags: ["principals"],
        security: [{ bearer: [] }],
        querystring: Query,
        response: {
          200: Type.Object({
            items: Type.Array(PrincipalSchema),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...adminErrors,
        },
      },
    },
    async (request) => authority.principals.list(request.query),
  );
};
