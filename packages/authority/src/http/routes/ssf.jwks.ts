import { Type } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";

/**
 * GET /ssf/jwks.json: the keys that verify Tessera's SETs (the SSF configuration's `jwks_uri`):
 * the OAuth signing keys (EdDSA) and, once a stream asked for RS256, the SSF RSA key.
 */
export const ssfJwksRoute: RouteModule = (app, { authority }) => {
  app.get(
    "/ssf/jwks.json",
    {
      schema: {
        summary: "Keys that verify Shared Signals SETs",
        tags: ["ssf"],
        response: { 200: Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) }) },
      },
    },
    async (_request, reply) => {
      reply.header("cache-control", "public, max-age=300");
      return authority.ssf.jwks(await authority.oauth.signingKeys.jwks());
    },
  );
};
