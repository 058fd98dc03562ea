import type { RouteModule } from "../route.js";

/** GET /metrics: Prometheus text format. */
export const metricsRoute: RouteModule = (app, { metrics }) => {
  app.get(
    "/metrics",
    { schema: { summary: "Prometheus metrics", tags: ["operations"], produces: ["text/plain"] } },
    async (_request, reply) => {
      reply.header("content-type", metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
};
