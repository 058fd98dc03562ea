import { type Static, Type } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";
import { CampaignId } from "./campaigns.schema.js";

const Params = Type.Object({ id: CampaignId });
const Query = Type.Object(
  {
    filter: Type.Optional(
      Type.Union([
        Type.Literal("all"),
        Type.Literal("in_use"),
        Type.Literal("unsafe"),
        Type.Literal("replacement_unused"),
      ]),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    cursor: Type.Optional(Type.String({ maxLength: 80 })),
  },
  { additionalProperties: false },
);

const KeyProgress = Type.Object({
  oldKeyId: Type.String(),
  newKeyId: Type.String(),
  principalId: Type.String(),
  owner: Type.String(),
  oldState: Type.String(),
  newState: Type.String(),
  oldLastUsedAt: Type.Union([Type.String(), Type.Null()]),
  newLastUsedAt: Type.Union([Type.String(), Type.Null()]),
  replacementUsed: Type.Boolean(),
  oldUsedSinceExecute: Type.Boolean(),
  oldInUse: Type.Boolean(),
  safeToRetire: Type.Boolean(),
});

/** GET /v1/campaigns/{id}/keys: per-credential progress, paged. */
export const campaignKeysRoute: RouteModule = (app, { authority }) => {
  app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof Query> }>(
    "/v1/campaigns/:id/keys",
    {
      config: { scopes: ["keys:read"] },
      schema: {
        summary: "Per-credential progress of a rotation campaign",
        description:
          "Each old key with its replacement and the safe-to-retire signal. `filter`: `in_use` (old key used within the in-use window), `unsafe` (not safe to retire), `replacement_unused`.",
        tags: ["campaigns"],
        security: [{ bearer: [] }],
        params: Params,
        querystring: Query,
        response: {
          200: Type.Object({ items: Type.Array(KeyProgress), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
          ...adminErrors,
        },
      },
    },
    async (request) => authority.campaigns.keyProgress(request.params.id, request.query),
  );
};
