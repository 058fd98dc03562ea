/**
 * POST /oauth/revoke (RFC 7009). A client revokes its own tokens: a JWT access token (by its
 * `jti`) or a refresh token (its whole grant family, access tokens included). Unknown, expired
 * and other clients' tokens get the same 200 and change nothing. `token_type_hint` is only a
 * hint: the token's form says what it is.
 */
import { Type } from "@sinclair/typebox";
import { invalidRequest, OAuthError, oauthErrorHandler } from "../../oauth/errors.js";
import type { RouteModule } from "../route.js";
import { formParams } from "./oauth.token.js";

const OAuthErrorBody = Type.Object({ error: Type.String(), error_description: Type.Optional(Type.String()) });

export const revokeTokenRoute: RouteModule = (app, { authority }) => {
  const { oauth } = authority;
  app.post(
    "/oauth/revoke",
    {
      schema: {
        summary: "Token revocation (RFC 7009)",
        tags: ["oauth"],
        consumes: ["application/x-www-form-urlencoded"],
        response: { 200: Type.Object({}), "4xx": OAuthErrorBody, "5xx": OAuthErrorBody },
      },
      errorHandler: oauthErrorHandler,
    },
    async (request, reply) => {
      reply.header("cache-control", "no-store").header("pragma", "no-cache");
      const params = formParams(request.headers["content-type"], request.body);
      let clientId: string;
      try {
        clientId = (await oauth.authenticateClient(request, params)).client.id;
      } catch (error) {
        if (error instanceof OAuthError && error.error === "invalid_client") {
          await oauth.recordClientAuthFailure(request, params, "/oauth/revoke");
        }
        throw error;
      }
      const { token, token_type_hint: hint } = params;
      if (typeof token !== "string" || token.length === 0) throw invalidRequest("token is required");
      if (hint !== undefined && typeof hint !== "string") throw invalidRequest("token_type_hint must be a string");
      await oauth.revoke(clientId, token, request.id);
      return {};
    },
  );
};
