import { type Static, Type } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors, Id } from "../schemas.js";
import { ManyKeysUsageSchema, RangeQuery } from "./usage.schema.js";

const Body = Type.Object(
  {
    ids: Type.Array(Id("key"), { minItems: 1, maxItems: 1000 }),
    ...RangeQuery.properties,
  },
  { additionalProperties: false },
);

/** POST /v1/keys/usage: total verifications per bucket of up to 1,000 keys in one call. */
export const manyKeysUsageRoute: RouteModule = (app, { authority }) => {
  app.post<{ Body: Static<typeof Body> }>(
    "/v1/keys/usage",
    {
      config: { scopes: ["keys:read"] },
      schema: {
        summary: "Usage of many keys at once (sparklines for an inventory page)",
        tags: ["usage"],
        security: [{ bearer: [] }],
        body: Body,
        response: { 200: ManyKeysUsageSchema, ...adminErrors },
      },
    },
    async (request) => {
      const { ids, ...range } = request.body;
      return authority.usageStore.ofKeys(ids, range);
    },
  );
};
