import { Type } from "@sinclair/typebox";
import { ssfMetrics } from "../../ssf/index.js";
import type { RouteModule } from "../route.js";

/** GET /.well-known/ssf-configuration: the transmitter's metadata (SSF 1.0 section 7.1). */
export const ssfConfigurationRoute: RouteModule = (app, { authority, metrics }) => {
  // The transmitter's gauges (waiting SETs, their age, lag) join the app's registry here.
  ssfMetrics(metrics.registry, authority.ssf, authority.clock);
  app.get(
    "/.well-known/ssf-configuration",
    {
      schema: {
        summary: "Shared Signals transmitter configuration",
        tags: ["ssf"],
        response: { 200: Type.Object({}, { additionalProperties: true }) },
      },
    },
    async () => authority.ssf.configuration(),
  );
};
