/**
 * GET /.well-known/jwks.json: the public keys that verify access tokens. It lists the next key
 * (published before it signs anything), the current one, and keys still retiring, so a
 * verifier that fetched it once can verify every token in circulation.
 */
import { Type } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";

export const jwksRoute: RouteModule = (app, { authority }) => {
  app.get(
    "/.well-known/jwks.json",
    {
      schema: {
        summary: "JSON Web Key Set of the access-token signing keys",
        tags: ["oauth"],
        response: {
          200: Type.Object({
            keys: Type.Array(
              Type.Object({
                kty: Type.String(),
                crv: Type.String(),
                x: Type.String(),
                kid: Type.String(),
                alg: Type.String(),
                use: Type.String(),
              }),
            ),
          }),
        },
      },
    },
    async (_request, reply) => {
      // Short: verifiers should see a newly published key well within the publication delay.
      reply.header("cache-control", "public, max-age=60");
      return authority.oauth.signingKeys.jwks();
    },
  );
};
