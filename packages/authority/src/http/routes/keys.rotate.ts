import { type Static, Type } from "@sinclair/typebox";
import { parseDuration } from "../../duration.js";
import { actorOf } from "../auth.js";
import type { RouteModule } from "../route.js";
import { adminErrors, Duration, Id, KeySchema, ScopeList } from "../schemas.js";

const Params = Type.Object({ id: Id("key") });
const Body = Type.Object(
  {
    scopes: Type.Optional(ScopeList),
    grace: Type.Optional(Duration),
    expiresIn: Type.Optional(Duration),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
);

/** POST /v1/keys/{id}/rotate: a replacement now, the old key deprecated for a grace window. */
export const rotateKeyRoute: RouteModule = (app, { authority }) => {
  app.post<{ Params: Static<typeof Params>; Body: Static<typeof Body> | undefined }>(
    "/v1/keys/:id/rotate",
    {
      config: { scopes: ["keys:write"] },
      schema: {
        summary: "Rotate an API key",
        description:
          "Issues a replacement with the same or narrower scopes; the old key keeps working, deprecated, until the grace window ends.",
        tags: ["keys"],
        security: [{ bearer: [] }],
        params: Params,
        body: Body,
        response: {
          200: Type.Object({
            previous: KeySchema,
            replacement: KeySchema,
            secret: Type.String({ description: "The replacement's secret, shown once." }),
            sequence: Type.Integer(),
          }),
          ...adminErrors,
        },
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      reply.header("cache-control", "no-store");
      return authority.lifecycle.rotate(
        request.params.id,
        {
          ...(body.scopes ? { scopes: body.scopes } : {}),
          ...(body.grace ? { graceMs: parseDuration(body.grace, "grace") } : {}),
          ...(body.expiresIn ? { expiresInMs: parseDuration(body.expiresIn, "expiresIn") } : {}),
          ...(body.description !== undefined ? { description: body.description } : {}),
        },
        actorOf(request),
      );
    },
  );
};
