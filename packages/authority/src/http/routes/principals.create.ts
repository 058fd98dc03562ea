import { type Static, Type } from "@sinclair/typebox";
import { actorOf } from "../auth.js";
import type { RouteModule } from "../route.js";
import { adminErrors, Metadata, PrincipalKind, PrincipalSchema, ScopeList } from "../schemas.js";

const Body = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    kind: PrincipalKind,
    owner: Type.String({ minLength: 1, maxLength: 256, description: "Who answers for it: a team, a person." }),
    allowedScopes: ScopeList,
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);

/** POST /v1/principals: create a user, service or partner app that can hold credentials. */
export const createPrincipalRoute: RouteModule = (app, { authority }) => {
  app.post<{ Body: Static<typeof Body> }>(
    "/v1/principals",
    {
      config: { scopes: ["principals:write"] },
      schema: {
        summary: "Create a principal",
        tags: ["principals"],
        security: [{ bearer: [] }],
        body: Body,
        response: { 201: PrincipalSchema, ...adminErrors },
      },
    },
    async (request, reply) => {
      const principal = await authority.principals.create(request.body, actorOf(request));
      return reply.status(201).send(principal);
    },
  );
};
