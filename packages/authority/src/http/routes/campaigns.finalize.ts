import { type Static, Type } from "@sinclair/typebox";
import { StepUpSchema } from "../../stepup/schema.js";
import { actorOf } from "../auth.js";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";
import { CampaignId, FinishResultSchema } from "./campaigns.schema.js";

const Params = Type.Object({ id: CampaignId });
const Body = Type.Object(
  {
    force: Type.Optional(
      Type.Boolean({ description: "Revoke although old keys are still in use (the justification says why)." }),
    ),
    stepUp: Type.Optional(StepUpSchema),
  },
  { additionalProperties: false },
);

/** POST /v1/campaigns/{id}/finalize: revoke the remaining old keys. */
export const finalizeCampaignRoute: RouteModule = (app, { authority }) => {
  app.post<{ Params: Static<typeof Params>; Body: Static<typeof Body> | undefined }>(
    "/v1/campaigns/:id/finalize",
    {
      config: { scopes: ["keys:revoke"] },
      schema: {
        summary: "Finalize a rotation campaign",
        description:
          "Needs step-up. Revokes every old key of the campaign; refused (`keys_in_use`) while any was used within the in-use window, unless `force`.",
        tags: ["campaigns"],
        security: [{ bearer: [] }],
        params: Params,
        body: Body,
        response: { 200: FinishResultSchema, ...adminErrors },
      },
    },
    async (request) => {
      const body = request.body ?? {};
      return authority.campaigns.finalize(
        request.params.id,
        { ...(body.force !== undefined ? { force: body.force } : {}), ...(body.stepUp ? { stepUp: body.stepUp } : {}) },
        actorOf(request),
      );
    },
  );
};
