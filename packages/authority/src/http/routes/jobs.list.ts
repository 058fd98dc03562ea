import { Type } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";

const JobStatus = Type.Object({
  name: Type.String(),
  holder: Type.Union([Type.String(), Type.Null()]),
  leaseUntil: Type.Integer(),
  lastStartedAt: Type.Union([Type.Integer(), Type.Null()]),
  lastFinishedAt: Type.Union([Type.Integer(), Type.Null()]),
  lastResult: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
});

/** GET /v1/jobs: the scheduled jobs, who holds each, and what each last did. */
export const listJobsRoute: RouteModule = (app, { authority }) => {
  app.get(
    "/v1/jobs",
    {
      config: { scopes: ["keys:read"] },
      schema: {
        summary: "Scheduled jobs and their last runs",
        tags: ["jobs"],
        security: [{ bearer: [] }],
        response: { 200: Type.Object({ items: Type.Array(JobStatus) }), ...adminErrors },
      },
    },
    async () => ({ items: await authority.jobs.scheduler.status() }),
  );
};
