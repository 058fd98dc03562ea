import { type Static, Type } from "@sinclair/typebox";
import { JOB_NAMES } from "../../jobs/index.js";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";

const Params = Type.Object({ name: Type.Union(JOB_NAMES.map((n) => Type.Literal(n))) });

/**
 * POST /v1/jobs/{name}/run: run a job now instead of waiting for its interval. Its lease still
 * applies, so a job another instance is running is answered `skipped`.
 */
export const runJobRoute: RouteModule = (app, { authority }) => {
  app.post<{ Params: Static<typeof Params> }>(
    "/v1/jobs/:name/run",
    {
      config: { scopes: ["keys:revoke"] },
      schema: {
        summary: "Run a scheduled job now",
        tags: ["jobs"],
        security: [{ bearer: [] }],
        params: Params,
        response: {
          200: Type.Object({
            name: Type.String(),
            result: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Literal("skipped")]),
          }),
          ...adminErrors,
        },
      },
    },
    async (request) => {
      const outcome = await authority.jobs.scheduler.runDue({ force: true, only: request.params.name });
      return { name: request.params.name, result: outcome[request.params.name] ?? "skipped" };
    },
  );
};
