import { type Static, Type } from "@sinclair/typebox";
import { actorOf } from "../auth.js";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";
import { StreamId } from "./ssf.schema.js";

const Body = Type.Object(
  {
    stream_id: StreamId,
    subject: Type.Record(Type.String(), Type.Unknown()),
    verified: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/**
 * The add-subject and remove-subject endpoints (SSF 1.0 sections 8.1.3.2, 8.1.3.3): a stream
 * with subjects receives only their events; with none, every subject's (`default_subjects: ALL`).
 */
export const ssfSubjectsRoute: RouteModule = (app, { authority }) => {
  // "::" is a literal colon in Fastify's router.
  for (const [url, add] of [
    ["/ssf/subjects::add", true],
    ["/ssf/subjects::remove", false],
  ] as const) {
    app.post<{ Body: Static<typeof Body> }>(
      url,
      {
        config: { scopes: ["ssf:write"] },
        schema: {
          summary: add ? "Add a subject to an SSF stream" : "Remove a subject from an SSF stream",
          tags: ["ssf"],
          security: [{ bearer: [] }],
          body: Body,
          response: { 200: Type.Null(), 204: Type.Null(), ...adminErrors },
        },
      },
      async (request, reply) => {
        const { stream_id, subject } = request.body;
        if (add) await authority.ssf.addSubject(stream_id, subject, actorOf(request));
        else await authority.ssf.removeSubject(stream_id, subject, actorOf(request));
        return reply.status(add ? 200 : 204).send();
      },
    );
  }
};
