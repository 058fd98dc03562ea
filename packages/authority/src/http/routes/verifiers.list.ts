import { Type } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";

const VerifierSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  authorityInstance: Type.String(),
  appliedSequence: Type.Integer(),
  lag: Type.Integer({ description: "head - applied" }),
  stalenessMs: Type.Integer(),
  connectedAt: Type.String(),
  lastSeenAt: Type.String(),
});

/** GET /v1/verifiers: the verifiers connected to any instance, with their applied sequence and lag. */
export const listVerifiersRoute: RouteModule = (app, { authority }) => {
  app.get(
    "/v1/verifiers",
    {
      config: { scopes: ["keys:read"] },
      schema: {
        summary: "List connected verifiers",
        tags: ["feed"],
        security: [{ bearer: [] }],
        response: {
          200: Type.Object({ head: Type.Integer(), verifiers: Type.Array(VerifierSchema) }),
          ...adminErrors,
        },
      },
    },
    async () => {
      const head = Number(
        (
          await authority.database.db
            .selectFrom("sequences")
            .select("value")
            .where("name", "=", "change")
            .executeTakeFirstOrThrow()
        ).value,
      );
      const live = await authority.feed.registry.live();
      return {
        head,
        verifiers: live.map((v) => ({
          id: v.id,
          name: v.name,
          authorityInstance: v.authority_instance,
          appliedSequence: Number(v.applied_seq),
          lag: Math.max(0, head - Number(v.applied_seq)),
          stalenessMs: Number(v.staleness_ms),
          connectedAt: new Date(Number(v.connected_at)).toISOString(),
          lastSeenAt: new Date(Number(v.last_seen_at)).toISOString(),
        })),
      };
    },
  );
};
