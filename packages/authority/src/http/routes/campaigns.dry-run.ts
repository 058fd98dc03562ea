import { type Static, Type } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";
import { CampaignId, CampaignSchema } from "./campaigns.schema.js";

const Params = Type.Object({ id: CampaignId });
const Count = (name: string) => Type.Object({ [name]: Type.String(), keys: Type.Integer() });

/** GET /v1/campaigns/{id}/dry-run: the blast radius of executing now. Writes nothing. */
export const dryRunCampaignRoute: RouteModule = (app, { authority }) => {
  app.get<{ Params: Static<typeof Params> }>(
    "/v1/campaigns/:id/dry-run",
    {
      config: { scopes: ["keys:read"] },
      schema: {
        summary: "Dry-run a rotation campaign",
        description:
          "What execution would rotate now: counts by owner, principal and scope (first 1,000 rows each, largest first), keys used within the in-use window, and owners without an export recipient.",
        tags: ["campaigns"],
        security: [{ bearer: [] }],
        params: Params,
        response: {
          200: Type.Object({
            campaign: CampaignSchema,
            graceUntil: Type.String(),
            ownersWithoutRecipient: Type.Array(Type.String()),
            blastRadius: Type.Object({
              total: Type.Integer(),
              byOwner: Type.Array(Count("owner")),
              byPrincipal: Type.Array(
                Type.Object({
                  principalId: Type.String(),
                  name: Type.String(),
                  owner: Type.String(),
                  keys: Type.Integer(),
                }),
              ),
              byScope: Type.Array(Count("scope")),
              recentlyUsed: Type.Object({
                keys: Type.Integer(),
                since: Type.String(),
                sample: Type.Array(
                  Type.Object({
                    id: Type.String(),
                    start: Type.String(),
                    principalId: Type.String(),
                    owner: Type.String(),
                    lastUsedAt: Type.String(),
                  }),
                ),
              }),
              neverUsed: Type.Integer(),
              truncated: Type.Boolean(),
            }),
          }),
          ...adminErrors,
        },
      },
    },
    async (request) => authority.campaigns.dryRun(request.params.id),
  );
};
