import { type Static, Type } from "@sinclair/typebox";
import { actorOf } from "../auth.js";
import type { RouteModule } from "../route.js";
import { adminErrors, Id, KeySchema } from "../schemas.js";

const Params = Type.Object({ id: Id("key") });
const Body = Type.Object(
  { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })) },
  { additionalProperties: false },
);

/** POST /v1/keys/{id}/rollback: undo a rotation while its grace window is open. */
export const rollbackKeyRoute: RouteModule = (app, { authority }) => {
  app.post<{ Params: Static<typeof Params>; Body: Static<typeof Body> | undefined }>(
    "/v1/keys/:id/rollback",
    {
      config: { scopes: ["keys:write", "keys:revoke"] },
      schema: {
        summary: "Roll back a rotation",
        description:
          "`id` may name the rotated key or its replacement. The old key becomes active again with its original expiry; the replacement is revoked.",
        tags: ["keys"],
        security: [{ bearer: [] }],
        params: Params,
        body: Body,
        response: {
          200: Type.Object({ restored: KeySchema, revokedReplacement: KeySchema, sequence: Type.Integer() }),
          ...adminErrors,
        },
      },
    },
    async (request) => authority.lifecycle.rollback(request.params.id, actorOf(request), request.body?.reason),
  );
};
