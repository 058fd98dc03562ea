import { type Static, Type } from "@sinclair/typebox";
import { actorOf } from "../auth.js";
import type { RouteModule } from "../route.js";
import { adminErrors, Reason } from "../schemas.js";
import { CampaignId, FinishResultSchema } from "./campaigns.schema.js";

const Params = Type.Object({ id: CampaignId });
const Body = Type.Object(
  {
    reason: Reason,
    force: Type.Optional(Type.Boolean({ description: "Roll back although replacements are already in use." })),
  },
  { additionalProperties: false },
);

/** POST /v1/campaigns/{id}/rollback: old keys back, replacements revoked, while the window is open. */
export const rollbackCampaignRoute: RouteModule = (app, { authority }) => {
  app.post<{ Params: Static<typeof Params>; Body: Static<typeof Body> }>(
    "/v1/campaigns/:id/rollback",
    {
      config: { scopes: ["keys:write", "keys:revoke"] },
      schema: {
        summary: "Roll back a rotation campaign",
        description:
          "While the grace window is open: every old key still deprecated by the campaign is active again with its original expiry, and every replacement is revoked. Refused (`keys_in_use`) while replacements were used within the in-use window, unless `force`.",
        tags: ["campaigns"],
        security: [{ bearer: [] }],
        params: Params,
        body: Body,
        response: { 200: FinishResultSchema, ...adminErrors },
      },
    },
    async (request) =>
      authority.campaigns.rollback(
        request.params.id,
        { reason: request.body.reason, ...(request.body.force !== undefined ? { force: request.body.force } : {}) },
        actorOf(request),
      ),
  );
};
