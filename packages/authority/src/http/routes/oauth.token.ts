/**
 * POST /oauth/token (RFC 6749): `client_credentials` and `refresh_token` grants, form-encoded.
 * Steps (oauth.steps.ts and below): noStore, parseBody, validateGrantType, authenticateClient,
 * the DPoP check, grant.
 * Errors are RFC 6749 5.2 bodies; every answer carries `Cache-Control: no-store`.
 */
import { Type } from "@sinclair/typebox";
import {
  invalidRequest,
  type OAuthClient,
  OAuthError,
  type OAuthService,
  oauthErrorHandler,
} from "../../oauth/index.js";
import { oauthRequestFacts } from "../oauth-request-facts.js";
import type { RouteModule } from "../route.js";
import { authenticateClient, noStore, OAuthErrorBody, parseBody } from "./oauth.steps.js";

export const SUPPORTED_GRANT_TYPES = ["client_credentials", "refresh_token"] as const;
type SupportedGrantType = (typeof SUPPORTED_GRANT_TYPES)[number];

/** Kept here for the modules that import it from the token route. */
export { formParams } from "./oauth.steps.js";

/** validateGrantType: a grant type this endpoint supports. */
function validateGrantType(params: Record<string, unknown>): SupportedGrantType {
  const grantType = params.grant_type;
  if (typeof grantType !== "string" || grantType.length === 0) throw invalidRequest("grant_type is required");
  if (!(SUPPORTED_GRANT_TYPES as readonly string[]).includes(grantType)) {
    throw new OAuthError("unsupported_grant_type", "supported grant types: client_credentials, refresh_token");
  }
  return grantType as SupportedGrantType;
}

/** act: the grant itself, which answers with the RFC 6749 5.1 token response. */
function grant(
  oauth: OAuthService,
  grantType: SupportedGrantType,
  client: OAuthClient,
  params: Record<string, unknown>,
  context: { requestId: string; jkt: string | null },
) {
  return grantType === "client_credentials"
    ? oauth.grants.clientCredentials(client, params, context)
    : oauth.grants.refresh(client, params, context);
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
      noStore(reply);
      if (oauth.dpop.nonceRequired) reply.header("dpop-nonce", oauth.dpop.currentNonce());
      const params = parseBody(request);
      const grantType = validateGrantType(params);
      const client = await authenticateClient(oauth, request, facts, params, "/oauth/token");
      const jkt = await oauth.dpop.check(facts, "/oauth/token");
      return grant(oauth, grantType, client, params, { requestId: facts.requestId, jkt });
    },
  );
};
