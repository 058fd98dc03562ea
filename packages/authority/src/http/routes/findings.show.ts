import { type Static, Type } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors, Id } from "../schemas.js";
import { FindingSchema } from "./findings.schema.js";

const Params = Type.Object({ id: Id("fnd") });

/** GET /v1/findings/{id} */
export const showFindingRoute: RouteModule = (app, { authority }) => {
  app.get<{ Params: Static<typeof Params> }>(
    "/v1/findings/:id",
    {
      config: { scopes: ["keys:read"] },
      schema: {
        summary: "Show a finding with its evidence",
        tags: ["findings"],
        security: [{ bearer: [] }],
        params: Params,
        response: { 200: FindingSchema, ...adminErrors },
      },
    },
    async (request) => authority.findings.get(request.params.id),
  );
};
