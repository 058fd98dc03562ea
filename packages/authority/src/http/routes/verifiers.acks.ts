import { type Static, Type } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";
import { VerifierInstance } from "./feed.js";

const Body = Type.Object(
  {
    acks: Type.Array(
      Type.Object(
        { verifierId: VerifierInstance, sequence: Type.Integer({ minimum: 0 }) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 1000 },
    ),
  },
  { additionalProperties: false },
);

/**
 * POST /v1/verifiers/acks: verifiers report the sequence they have applied. Recorded in
 * memory and written in batches; receipts and lag read the written state.
 */
export const verifierAcksRoute: RouteModule = (app, { authority }) => {
  app.post<{ Body: Static<typeof Body> }>(
    "/v1/verifiers/acks",
    {
      config: { scopes: ["feed:read"] },
      schema: {
        summary: "Report applied sequences",
        tags: ["feed"],
        security: [{ bearer: [] }],
        body: Body,
        response: { 204: Type.Null(), ...adminErrors },
      },
    },
    async (request, reply) => {
      for (const ack of request.body.acks) authority.feed.registry.ack(ack.verifierId, ack.sequence);
      return reply.status(204).send();
    },
  );
};
