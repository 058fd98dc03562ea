import { type Static, Type } from "@sinclair/typebox";
import { parseDuration } from "../../duration.js";
import { validationFailed } from "../../errors.js";
import { actorOf } from "../auth.js";
import type { RouteModule } from "../route.js";
import { adminErrors, Duration } from "../schemas.js";

const Body = Type.Object(
  {
    unusedFor: Type.Optional(Duration),
    dryRun: Type.Optional(Type.Boolean({ default: true, description: "List what would be expired (default)." })),
  },
  { additionalProperties: false },
);

/**
 * POST /v1/keys/sweep-unused: expire live keys unused for a while (never used: since
 * creation). A dry run (the default) lists what would go and changes nothing.
 */
export const sweepUnusedRoute: RouteModule = (app, { authority }) => {
  app.post<{ Body: Static<typeof Body> | undefined }>(
    "/v1/keys/sweep-unused",
    {
      config: { scopes: ["keys:revoke"] },
      schema: {
        summary: "Expire keys unused for a while (dry run by default)",
        tags: ["keys"],
        security: [{ bearer: [] }],
        body: Body,
        response: {
          200: Type.Object({
            dryRun: Type.Boolean(),
            unusedForMs: Type.Integer(),
            candidates: Type.Integer(),
            swept: Type.Integer(),
            ids: Type.Array(Type.String()),
          }),
          ...adminErrors,
        },
      },
    },
    async (request) => {
      const body = request.body ?? {};
      const configured = authority.config.sweepUnusedAfterMs;
      const unusedForMs = body.unusedFor ? parseDuration(body.unusedFor, "unusedFor") : configured;
      if (unusedForMs <= 0) {
        throw validationFailed("give unusedFor (the sweeper policy TESSERA_SWEEP_UNUSED_AFTER is off)", {
          field: "unusedFor",
        });
      }
      return authority.jobs.sweepUnused({ unusedForMs, dryRun: body.dryRun !== false, actor: actorOf(request) });
    },
  );
};
