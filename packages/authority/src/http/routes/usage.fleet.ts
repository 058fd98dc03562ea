import type { Static } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";
import { FleetUsageSchema, RangeQuery } from "./usage.schema.js";

/** GET /v1/usage: the fleet's verifications over time, and blocked requests by reason. */
export const fleetUsageRoute: RouteModule = (app, { authority }) => {
  app.get<{ Querystring: Static<typeof RangeQuery> }>(
    "/v1/usage",
    {
      config: { scopes: ["keys:read"] },
      schema: {
        summary: "Fleet usage: verifications and blocked requests by reason over time",
        tags: ["usage"],
        security: [{ bearer: [] }],
        querystring: RangeQuery,
        response: { 200: FleetUsageSchema, ...adminErrors },
      },
    },
    async (request) => authority.usageStore.fleet(request.query),
  );
};
