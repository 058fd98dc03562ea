/**
 * POST /oauth/token (RFC 6749): `client_credentials` and `refresh_token` grants, form-encoded.
 * Steps: parse, check the grant type, authenticate the client, check a DPoP proof, grant.
 * Errors are RFC 6749 5.2 bodies; every answer carries `Cache-Control: no-store`.
 */
import { Type } from "@sinclair/typebox";
import { invalidRequest, OAuthError, oauthErrorHandler } from "../../oauth/index.js";
import { oauthRequestFacts } from "../oauth-request-facts.js";
import type { RouteModule } from "../route.js";

export const SUPPORTED_GRANT_TYPES = ["client_credentials", "refresh_token"] as const;

const OAuthErrorBody = Type.Object({ error: Type.String(), error_description: Type.Optional(Type.String()) });

/** The parsed form, or an `invalid_request` when the body is not form-encoded parameters. */
export function formParams(contentType: string | undefined, body: unknown): Record<string, unknown> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(contentType ?? "")) {
    throw invalidRequest("send the parameters as application/x-www-form-urlencoded");
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) return {};
  return body as Record<string, unknown>;
}

export const tokenRoute: RouteModule = (app, { authority }) => {
  const { oauth } = authority;
  app.post(
    "/oauth/token",
    {
      schema: {
        summary: "Token endpoint (RFC 6749): client_credentials and refresh_token grants",
        tags: ["oauth"],
        consumes: ["application/x-www-form-urlencoded"],
        response: {
          200: Type.Object({
            access_token: Type.String(),
            token_type: Type.String(),
            expires_in: Type.Integer(),
            scope: Type.String(),
            refresh_token: Type.Optional(Type.String()),
          }),
          "4xx": OAuthErrorBody,
          "5xx": OAuthErrorBody,
        },
      },
      errorHandler: oauthErrorHandler,
    },
    async (request, reply) => {
      const facts = oauthRequestFacts(request);
      reply.header("cache-control", "no-store").header("pragma", "no-cache");
      if (oauth.dpop.nonceRequired) reply.header("dpop-nonce", oauth.dpop.currentNonce());
      const params = formParams(request.headers["content-type"], request.body);
      const grantType = params.grant_type;
      if (typeof grantType !== "string" || grantType.length === 0) throw invalidRequest("grant_type is required");
      if (!(SUPPORTED_GRANT_TYPES as readonly string[]).includes(grantType)) {
        throw new OAuthError("unsupported_grant_type", "supported grant types: client_credentials, refresh_token");
      }
      let client: Awaited<ReturnType<typeof oauth.authenticateClient>>["client"];
      try {
        ({ client } = await oauth.authenticateClient(facts, params));
      } catch (error) {
        if (error instanceof OAuthError && error.error === "invalid_client") {
          await oauth
            .recordClientAuthFailure(facts, params, "/oauth/token")
            .catch((err) => request.log.error({ err }, "could not audit a failed client authentication"));
        }
        throw error;
      }
      const jkt = await oauth.dpop.check(facts, "/oauth/token");
      const context = { requestId: request.id, jkt };
      const result =
        grantType === "client_credentials"
          ? await oauth.grants.clientCredentials(client, params, context)
          : await oauth.grants.refresh(client, params, context);
      return result;
    },
  );
};
