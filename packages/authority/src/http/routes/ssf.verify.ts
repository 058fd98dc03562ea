import { type Static, Type } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";
import { StreamId } from "./ssf.schema.js";

const Body = Type.Object(
  { stream_id: StreamId, state: Type.Optional(Type.String({ maxLength: 1024 })) },
  { additionalProperties: false },
);

/** The verification endpoint (SSF 1.0 section 8.1.4): queues a verification SET echoing `state`. */
export const ssfVerifyRoute: RouteModule = (app, { authority }) => {
  app.post<{ Body: Static<typeof Body> }>(
    "/ssf/verify",
    {
      config: { scopes: ["ssf:write"] },
      schema: {
        summary: "Request a verification event on an SSF stream",
        tags: ["ssf"],
        security: [{ bearer: [] }],
        body: Body,
        response: { 204: Type.Null(), ...adminErrors },
      },
    },
    async (request, reply) => {
      await authority.ssf.verify(request.body.stream_id, request.body.state);
      return reply.status(204).send();
    },
  );
};
