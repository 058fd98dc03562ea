/**
 * GET /.well-known/oauth-authorization-server (RFC 8414): exactly what this authority
 * supports, nothing more (no authorization endpoint: it serves machine clients).
 */
import { DPOP_ALGORITHMS } from "@tessera/verifier";
import type { RouteModule } from "../route.js";
import { SUPPORTED_GRANT_TYPES } from "./oauth.token.js";

const CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"];

export const authorizationServerMetadataRoute: RouteModule = (app, { authority }) => {
  app.get(
    "/.well-known/oauth-authorization-server",
    { schema: { summary: "Authorization server metadata (RFC 8414)", tags: ["oauth"] } },
    async (_request, reply) => {
      const { issuer } = authority.config;
      reply.header("cache-control", "public, max-age=300");
      return {
        issuer,
        token_endpoint: `${issuer}/oauth/token`,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        introspection_endpoint: `${issuer}/oauth/introspect`,
        revocation_endpoint: `${issuer}/oauth/revoke`,
        grant_types_supported: [...SUPPORTED_GRANT_TYPES],
        response_types_supported: [],
        token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
        introspection_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
        revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
        dpop_signing_alg_values_supported: [...DPOP_ALGORITHMS],
        service_documentation: `${issuer}/openapi.json`,
      };
    },
  );
};
