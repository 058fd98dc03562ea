import { Type } from "@sinclair/typebox";
import { sql } from "kysely";
import type { RouteModule } from "../route.js";

/** GET /healthz: the process is up and the database answers. */
export const healthRoute: RouteModule = (app, { authority }) => {
  app.get(
    "/healthz",
    {
      schema: {
        summary: "Liveness and database reachability",
        tags: ["operations"],
        response: {
          200: Type.Object({ status: Type.Literal("ok"), database: Type.String() }),
          503: Type.Object({ status: Type.Literal("unavailable"), database: Type.String() }),
        },
      },
    },
    async (_request, reply) => {
      try {
        await sql`select 1`.execute(authority.database.db);
        return { status: "ok" as const, database: authority.database.kind };
      } catch {
        return reply.status(503).send({ status: "unavailable" as const, database: authority.database.kind });
      }
    },
  );
};
