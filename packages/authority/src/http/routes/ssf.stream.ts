import { type Static, Type } from "@sinclair/typebox";
import { actorOf } from "../auth.js";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";
import { StreamBody, StreamId, StreamSchema } from "./ssf.schema.js";

const Query = Type.Object({ stream_id: Type.Optional(StreamId) }, { additionalProperties: false });
const ChangeBody = Type.Intersect([Type.Object({ stream_id: StreamId }), StreamBody]);
const tags = ["ssf"];
const security = [{ bearer: [] }];

/**
 * The stream configuration endpoint (SSF 1.0 section 8.1.1): POST creates, GET reads one
 * (`?stream_id=`) or lists all, PATCH changes the members given, PUT replaces, DELETE removes.
 */
export const ssfStreamRoute: RouteModule = (app, { authority }) => {
  app.post<{ Body: Static<typeof StreamBody> }>(
    "/ssf/stream",
    {
      config: { scopes: ["ssf:write"] },
      schema: {
        summary: "Create an SSF stream",
        tags,
        security,
        body: StreamBody,
        response: { 201: StreamSchema, ...adminErrors },
      },
    },
    async (request, reply) => reply.status(201).send(await authority.ssf.create(request.body, actorOf(request))),
  );
  app.get<{ Querystring: Static<typeof Query> }>(
    "/ssf/stream",
    {
      config: { scopes: ["ssf:read"] },
      schema: {
        summary: "Read an SSF stream's configuration, or list every stream",
        tags,
        security,
        querystring: Query,
        response: { 200: Type.Union([StreamSchema, Type.Array(StreamSchema)]), ...adminErrors },
      },
    },
    async (request) =>
      request.query.stream_id === undefined ? authority.ssf.list() : authority.ssf.get(request.query.stream_id),
  );
  for (const [method, replace] of [
    ["PATCH", false],
    ["PUT", true],
  ] as const) {
    app.route<{ Body: Static<typeof ChangeBody> }>({
      method,
      url: "/ssf/stream",
      config: { scopes: ["ssf:write"] },
      schema: {
        summary: replace ? "Replace an SSF stream's configuration" : "Update an SSF stream's configuration",
        tags,
        security,
        body: ChangeBody,
        response: { 200: StreamSchema, ...adminErrors },
      },
      handler: async (request) => {
        const { stream_id, ...input } = request.body;
        return authority.ssf.update(stream_id, input, actorOf(request), replace);
      },
    });
  }
  app.delete<{ Querystring: { stream_id: string } }>(
    "/ssf/stream",
    {
      config: { scopes: ["ssf:write"] },
      schema: {
        summary: "Delete an SSF stream",
        tags,
        security,
        querystring: Type.Object({ stream_id: StreamId }, { additionalProperties: false }),
        response: { 204: Type.Null(), ...adminErrors },
      },
    },
    async (request, reply) => {
      await authority.ssf.remove(request.query.stream_id, actorOf(request));
      return reply.status(204).send();
    },
  );
};
