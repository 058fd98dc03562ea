import { type Static, Type } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors, Id } from "../schemas.js";
import { KeyUsageSchema, RangeQuery } from "./usage.schema.js";

const Params = Type.Object({ id: Id("key") });

/** GET /v1/keys/{id}/usage: verifications by outcome over time, and who presented the key. */
export const keyUsageRoute: RouteModule = (app, { authority }) => {
  app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof RangeQuery> }>(
    "/v1/keys/:id/usage",
    {
      config: { scopes: ["keys:read"] },
      schema: {
        summary: "A key's usage: series by outcome, addresses, networks, user agents, routes",
        tags: ["usage"],
        security: [{ bearer: [] }],
        params: Params,
        querystring: RangeQuery,
        response: { 200: KeyUsageSchema, ...adminErrors },
      },
    },
    async (request) => authority.usageStore.ofKey(request.params.id, request.query),
  );
};
