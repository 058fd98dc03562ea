import { type Static, Type } from "@sinclair/typebox";
import { actorOf } from "../auth.js";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";
import { StatusSchema, StreamId } from "./ssf.schema.js";

const Body = Type.Object(
  {
    stream_id: StreamId,
    status: Type.Union([Type.Literal("enabled"), Type.Literal("paused"), Type.Literal("disabled")]),
    reason: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
);

/** The stream status endpoint (SSF 1.0 section 8.1.2): read, or enable, pause and disable. */
export const ssfStatusRoute: RouteModule = (app, { authority }) => {
  app.get<{ Querystring: { stream_id: string } }>(
    "/ssf/status",
    {
      config: { scopes: ["ssf:read"] },
      schema: {
        summary: "Read an SSF stream's status",
        tags: ["ssf"],
        security: [{ bearer: [] }],
        querystring: Type.Object({ stream_id: StreamId }, { additionalProperties: false }),
        response: { 200: StatusSchema, ...adminErrors },
      },
    },
    async (request) => authority.ssf.status(request.query.stream_id),
  );
  app.post<{ Body: Static<typeof Body> }>(
    "/ssf/status",
    {
      config: { scopes: ["ssf:write"] },
      schema: {
        summary: "Change an SSF stream's status",
        tags: ["ssf"],
        security: [{ bearer: [] }],
        body: Body,
        response: { 200: StatusSchema, ...adminErrors },
      },
    },
    async (request) =>
      authority.ssf.setStatus(request.body.stream_id, request.body.status, request.body.reason, actorOf(request)),
  );
};
