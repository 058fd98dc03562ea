import { type Static, Type } from "@sinclair/typebox";
import { StepUpSchema } from "../../stepup/schema.js";
import { actorOf } from "../auth.js";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";
import { CampaignId, CampaignSchema, ExportRecipients } from "./campaigns.schema.js";

const Params = Type.Object({ id: CampaignId });
const Body = Type.Object(
  { exportRecipients: Type.Optional(ExportRecipients), stepUp: Type.Optional(StepUpSchema) },
  { additionalProperties: false },
);

/** POST /v1/campaigns/{id}/execute: replacements for every selected key, in one transaction. */
export const executeCampaignRoute: RouteModule = (app, { authority }) => {
  app.post<{ Params: Static<typeof Params>; Body: Static<typeof Body> | undefined }>(
    "/v1/campaigns/:id/execute",
    {
      config: { scopes: ["keys:write"] },
      schema: {
        summary: "Execute a rotation campaign",
        description:
          "Needs step-up (`stepUp: { otp, justification }`). Issues a replacement for every selected key, deprecates the old keys until the grace window ends, and hands the new secrets to each owner's channels (export file, webhooks); refused, with nothing done, when an owner has no channel. The secrets are never in this answer.",
        tags: ["campaigns"],
        security: [{ bearer: [] }],
        params: Params,
        body: Body,
        response: {
          200: Type.Object({
            campaign: CampaignSchema,
            sequence: Type.Integer(),
            distribution: Type.Object({
              exports: Type.Array(Type.Object({ owner: Type.String(), keys: Type.Integer() })),
              webhooks: Type.Object({ secrets: Type.Integer(), endpoints: Type.Integer() }),
            }),
          }),
          ...adminErrors,
        },
      },
    },
    async (request) => {
      const body = request.body ?? {};
      return authority.campaigns.execute(
        request.params.id,
        {
          ...(body.exportRecipients ? { exportRecipients: body.exportRecipients } : {}),
          ...(body.stepUp ? { stepUp: body.stepUp } : {}),
        },
        actorOf(request),
      );
    },
  );
};
