import { type Static, Type } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";
import { CampaignSchema } from "./campaigns.schema.js";

const Query = Type.Object(
  {
    status: Type.Optional(
      Type.Union([
        Type.Literal("draft"),
        Type.Literal("executed"),
        Type.Literal("finalized"),
        Type.Literal("rolled_back"),
      ]),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

/** GET /v1/campaigns: campaigns, newest first. */
export const listCampaignsRoute: RouteModule = (app, { authority }) => {
  app.get<{ Querystring: Static<typeof Query> }>(
    "/v1/campaigns",
    {
      config: { scopes: ["keys:read"] },
      schema: {
        summary: "List rotation campaigns",
        tags: ["campaigns"],
        security: [{ bearer: [] }],
        querystring: Query,
        response: {
          200: Type.Object({ items: Type.Array(CampaignSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
          ...adminErrors,
        },
      },
    },
    async (request) => authority.campaigns.list(request.query),
  );
};
