import type { RouteModule } from "../route.js";

/** GET /openapi.json: generated from the route schemas by @fastify/swagger. */
export const openapiRoute: RouteModule = (app) => {
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
};
