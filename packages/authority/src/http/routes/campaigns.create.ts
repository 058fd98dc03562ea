import { type Static, Type } from "@sinclair/typebox";
import { parseDuration } from "../../duration.js";
import { actorOf } from "../auth.js";
import type { RouteModule } from "../route.js";
import { adminErrors, Duration, ScopeList } from "../schemas.js";
import { CampaignSchema, CampaignSelectorSchema, ExportRecipients, toCampaignSelector } from "./campaigns.schema.js";

const Body = Type.Object(
  {
    selector: CampaignSelectorSchema,
    description: Type.String({ minLength: 1, maxLength: 1024, description: "Why: kept in the audit trail." }),
    scopes: Type.Optional(ScopeList),
    grace: Type.Optional(Duration),
    expiresIn: Type.Optional(Duration),
    exportRecipients: Type.Optional(ExportRecipients),
  },
  { additionalProperties: false },
);

/** POST /v1/campaigns: a draft emergency rotation campaign over a selection of keys. */
export const createCampaignRoute: RouteModule = (app, { authority }) => {
  app.post<{ Body: Static<typeof Body> }>(
    "/v1/campaigns",
    {
      config: { scopes: ["keys:write"] },
      schema: {
        summary: "Create a rotation campaign",
        description:
          "A draft over the active keys the selector matches (refused when it matches none). `scopes` narrows the replacements to those of each key's scopes; `grace` is how long old keys keep working after execution.",
        tags: ["campaigns"],
        security: [{ bearer: [] }],
        body: Body,
        response: {
          201: Type.Object({ campaign: CampaignSchema, selected: Type.Integer(), sequence: Type.Integer() }),
          ...adminErrors,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const result = await authority.campaigns.create(
        {
          selector: toCampaignSelector(body.selector),
          description: body.description,
          ...(body.scopes ? { scopes: body.scopes } : {}),
          ...(body.grace ? { graceMs: parseDuration(body.grace, "grace") } : {}),
          ...(body.expiresIn ? { expiresInMs: parseDuration(body.expiresIn, "expiresIn") } : {}),
          ...(body.exportRecipients ? { exportRecipients: body.exportRecipients } : {}),
        },
        actorOf(request),
      );
      return reply.status(201).send(result);
    },
  );
};
