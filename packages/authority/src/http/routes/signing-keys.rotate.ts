import { type Static, Type } from "@sinclair/typebox";
import { actorOf } from "../auth.js";
import type { RouteModule } from "../route.js";
import { adminErrors, Reason } from "../schemas.js";

const Body = Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false });

/**
 * POST /v1/signing-keys/rotate: publishes a new key now; it signs after the publication delay,
 * and the keys signing now retire once the longest access-token lifetime has passed after that.
 */
export const rotateSigningKeyRoute: RouteModule = (app, { authority }) => {
  app.post<{ Body: Static<typeof Body> }>(
    "/v1/signing-keys/rotate",
    {
      config: { scopes: ["signing-keys:write"] },
      schema: {
        summary: "Rotate the access-token signing key",
        tags: ["signing-keys"],
        security: [{ bearer: [] }],
        body: Body,
        response: { 200: Type.Object({ kid: Type.String(), notBefore: Type.String() }), ...adminErrors },
      },
    },
    async (request) => authority.oauth.signingKeys.rotate(actorOf(request), request.body?.reason ?? null),
  );
};
