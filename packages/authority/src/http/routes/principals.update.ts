import { type Static, Type } from "@sinclair/typebox";
import { actorOf } from "../auth.js";
import type { RouteModule } from "../route.js";
import { adminErrors, Id, Metadata, PrincipalSchema, ScopeList } from "../schemas.js";

const Params = Type.Object({ id: Id("prn") });
const Body = Type.Object(
  {
    allowedScopes: Type.Optional(ScopeList),
    owner: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    metadata: Type.Optional(Metadata),
    onExceedingKeys: Type.Optional(
      Type.Union([Type.Literal("revoke"), Type.Literal("narrow")], {
        description:
          "Keys carrying a removed scope: revoke them, or keep only the scopes still allowed. Default: TESSERA_SCOPE_NARROWING.",
      }),
    ),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  },
  { additionalProperties: false },
);

/** PATCH /v1/principals/{id}: change owner, metadata or allowed scopes; narrowing acts on existing keys at once. */
export const updatePrincipalRoute: RouteModule = (app, { authority }) => {
  app.patch<{ Params: Static<typeof Params>; Body: Static<typeof Body> }>(
    "/v1/principals/:id",
    {
      config: { scopes: ["principals:write", "keys:revoke"] },
      schema: {
        summary: "Update a principal (narrowing its scopes revokes or narrows its keys)",
        tags: ["principals"],
        security: [{ bearer: [] }],
        params: Params,
        body: Body,
        response: {
          200: Type.Object({
            principal: PrincipalSchema,
            removedScopes: Type.Array(Type.String()),
            revokedKeyIds: Type.Array(Type.String()),
            narrowedKeyIds: Type.Array(Type.String()),
            sequence: Type.Union([Type.Integer(), Type.Null()]),
          }),
          ...adminErrors,
        },
      },
    },
    async (request) => authority.principalUpdates.update(request.params.id, request.body, actorOf(request)),
  );
};
