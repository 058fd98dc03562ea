/**
 * Health endpoints for orchestrators. Liveness and readiness are separate on purpose: a
 * database outage must take the instance out of the load balancer (readyz 503), never get the
 * process restarted in a loop (livez stays 200 while the event loop runs).
 */
import { Type } from "@sinclair/typebox";
import { sql } from "kysely";
import { createReadinessCheck } from "../../db/readiness.js";
import type { RouteModule } from "../route.js";

const ReadyBody = Type.Object({
  status: Type.Literal("ready"),
  database: Type.String(),
  migrations: Type.Integer({ description: "Migrations applied." }),
});
const NotReadyBody = Type.Object({
  status: Type.Literal("unavailable"),
  database: Type.String(),
  reason: Type.Union([Type.Literal("database_unreachable"), Type.Literal("migrations_pending")]),
  pending: Type.Optional(Type.Array(Type.String(), { description: "Migrations not applied yet." })),
});

/** GET /livez, GET /readyz and GET /healthz (kept for existing probes). */
export const healthRoute: RouteModule = (app, { authority }) => {
  const database = authority.database;
  const checkReadiness = createReadinessCheck(database);

  app.get(
    "/livez",
    {
      schema: {
        summary: "Liveness: the process is up and serving HTTP (touches no dependency)",
        tags: ["operations"],
        response: { 200: Type.Object({ status: Type.Literal("ok") }) },
      },
    },
    async () => ({ status: "ok" as const }),
  );

  app.get(
    "/readyz",
    {
      schema: {
        summary: "Readiness: the database answers and every migration is applied",
        tags: ["operations"],
        response: { 200: ReadyBody, 503: NotReadyBody },
      },
    },
    async (_request, reply) => {
      const readiness = await checkReadiness();
      if (readiness.ready)
        return { status: "ready" as const, database: database.kind, migrations: readiness.migrations };
      return reply.status(503).send({
        status: "unavailable" as const,
        database: database.kind,
        reason: readiness.problem,
        ...(readiness.pending ? { pending: readiness.pending } : {}),
      });
    },
  );

  app.get(
    "/healthz",
    {
      schema: {
        summary: "The process is up and the database answers (prefer /livez and /readyz)",
        tags: ["operations"],
        response: {
          200: Type.Object({ status: Type.Literal("ok"), database: Type.String() }),
          503: Type.Object({ status: Type.Literal("unavailable"), database: Type.String() }),
        },
      },
    },
    async (_request, reply) => {
      try {
        await sql`select 1`.execute(database.db);
        return { status: "ok" as const, database: database.kind };
      } catch {
        return reply.status(503).send({ status: "unavailable" as const, database: database.kind });
      }
    },
  );
};
