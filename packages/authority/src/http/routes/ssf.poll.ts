import { type Static, Type } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";
import { StreamId } from "./ssf.schema.js";

const Body = Type.Object(
  {
    ack: Type.Optional(Type.Array(Type.String({ maxLength: 128 }), { maxItems: 1000 })),
    setErrs: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Object({
          err: Type.String({ maxLength: 128 }),
          description: Type.Optional(Type.String({ maxLength: 1024 })),
        }),
      ),
    ),
    maxEvents: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    returnImmediately: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
);

/**
 * A poll stream's endpoint (RFC 8936): acknowledges the SETs named in `ack` (and `setErrs`),
 * then answers up to `maxEvents` waiting SETs (default 100) and whether more wait. Unacknowledged
 * SETs come again on the next poll. Without `returnImmediately` it waits up to 5 s for one.
 */
export const ssfPollRoute: RouteModule = (app, { authority }) => {
  app.post<{ Params: { streamId: string }; Body: Static<typeof Body> | undefined }>(
    "/ssf/poll/:streamId",
    {
      config: { scopes: ["ssf:read"] },
      schema: {
        summary: "Poll an SSF stream for SETs (RFC 8936)",
        tags: ["ssf"],
        security: [{ bearer: [] }],
        params: Type.Object({ streamId: StreamId }),
        body: Body,
        response: {
          200: Type.Object({ sets: Type.Record(Type.String(), Type.String()), moreAvailable: Type.Boolean() }),
          ...adminErrors,
        },
      },
    },
    async (request) => authority.ssf.poll(request.params.streamId, request.body ?? {}),
  );
};
