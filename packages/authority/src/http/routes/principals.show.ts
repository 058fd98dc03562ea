import { type Static, Type } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors, Id, PrincipalSchema } from "../schemas.js";

const Params = Type.Object({ id: Id("prn") });

/** GET /v1/principals/{id} */
export const showPrincipalRoute: RouteModule = (app, { authority }) => {
  app.get<{ Params: Static<typeof Params> }>(
    "/v1/principals/:id",
    {
      config: { scopes: ["principals:read"] },
      schema: {
        summary: "Show a principal",
        tags: ["principals"],
        security: [{ bearer: [] }],
        params: Params,
        response: { 200: PrincipalSchema, ...adminErrors },
      },
    },
    async (request) => authority.principals.get(request.params.id),
  );
};
