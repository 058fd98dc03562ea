import { type Static, Type } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors, Id, KeySchema } from "../schemas.js";

const Params = Type.Object({ id: Id("key") });

/** GET /v1/keys/{id} */
export const showKeyRoute: RouteModule = (app, { authority }) => {
  app.get<{ Params: Static<typeof Params> }>(
    "/v1/keys/:id",
    {
      config: { scopes: ["keys:read"] },
      schema: {
        summary: "Show an API key (never its secret)",
        tags: ["keys"],
        security: [{ bearer: [] }],
        params: Params,
        response: { 200: KeySchema, ...adminErrors },
      },
    },
    async (request) => authority.keys.get(request.params.id),
  );
};
