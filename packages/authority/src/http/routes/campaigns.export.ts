import { type Static, Type } from "@sinclair/typebox";
import { actorOf } from "../auth.js";
import type { RouteModule } from "../route.js";
import { adminErrors, ErrorResponse } from "../schemas.js";
import { CampaignId } from "./campaigns.schema.js";

const Params = Type.Object({ id: CampaignId });
const Query = Type.Object({ owner: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false });

/** GET /v1/campaigns/{id}/export?owner=: an owner's encrypted export file, handed out once. */
export const exportCampaignRoute: RouteModule = (app, { authority }) => {
  app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof Query> }>(
    "/v1/campaigns/:id/export",
    {
      config: { scopes: ["keys:write"] },
      schema: {
        summary: "Take an owner's export file",
        description:
          "A compact JWE (ECDH-ES+A256KW, A256GCM) to the owner's public key holding its new secrets. Handed out once: the authority erases it as it answers, and a second request gets 410 `export_consumed`. See docs/campaigns.md for decrypting it.",
        tags: ["campaigns"],
        security: [{ bearer: [] }],
        params: Params,
        querystring: Query,
        response: {
          200: Type.Object({
            campaignId: Type.String(),
            owner: Type.String(),
            keys: Type.Integer(),
            jwe: Type.String(),
          }),
          ...adminErrors,
          410: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      reply.header("cache-control", "no-store");
      return authority.campaigns.takeExport(request.params.id, request.query.owner, actorOf(request));
    },
  );
};
