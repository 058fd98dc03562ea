import { type Static, Type } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";
import { CampaignId, CampaignSchema, ProgressSchema } from "./campaigns.schema.js";

const Params = Type.Object({ id: CampaignId });

/** GET /v1/campaigns/{id}: the campaign and its safe-to-retire progress. */
export const showCampaignRoute: RouteModule = (app, { authority }) => {
  app.get<{ Params: Static<typeof Params> }>(
    "/v1/campaigns/:id",
    {
      config: { scopes: ["keys:read"] },
      schema: {
        summary: "Show a rotation campaign and its progress",
        description:
          "After execution, counts over every credential: replacements used, old keys used since execution or within the in-use window, safe to retire, already revoked.",
        tags: ["campaigns"],
        security: [{ bearer: [] }],
        params: Params,
        response: {
          200: Type.Object({ campaign: CampaignSchema, progress: Type.Union([ProgressSchema, Type.Null()]) }),
          ...adminErrors,
        },
      },
    },
    async (request) => authority.campaigns.status(request.params.id),
  );
};
