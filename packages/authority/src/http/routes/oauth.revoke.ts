/**
 * POST /oauth/revoke (RFC 7009). A client revokes its own tokens: a JWT access token (by its
 * `jti`) or a refresh token (its whole grant family, access tokens included). Unknown, expired
 * and other clients' tokens get the same 200 and change nothing. `token_type_hint` is only a
 * hint: the token's form says what it is. With `?wait=5s` the answer waits until every
 * connected verifier applied the revocation (or the wait ends) and carries the receipt.
 */
import { type Static, Type } from "@sinclair/typebox";
import { isTesseraError } from "../../errors.js";
import { invalidRequest, OAuthError, oauthErrorHandler } from "../../oauth/index.js";
import { oauthRequestFacts } from "../oauth-request-facts.js";
import type { RouteModule } from "../route.js";
import { formParams } from "./oauth.token.js";
import { parseWait, ReceiptSchema, WaitQuery } from "./receipts.schema.js";

const OAuthErrorBody = Type.Object({ error: Type.String(), error_description: Type.Optional(Type.String()) });

export const revokeTokenRoute: RouteModule = (app, { authority }) => {
  const { oauth } = authority;
  app.post<{ Querystring: Static<typeof WaitQuery> }>(
    "/oauth/revoke",
    {
      schema: {
        summary: "Token revocation (RFC 7009)",
        tags: ["oauth"],
        consumes: ["application/x-www-form-urlencoded"],
        querystring: WaitQuery,
        response: {
          200: Type.Object({ receipt: Type.Optional(Type.Union([ReceiptSchema, Type.Null()])) }),
          "4xx": OAuthErrorBody,
          "5xx": OAuthErrorBody,
        },
      },
      errorHandler: oauthErrorHandler,
    },
    async (request, reply) => {
      const facts = oauthRequestFacts(request);
      reply.header("cache-control", "no-store").header("pragma", "no-cache");
      const params = formParams(request.headers["content-type"], request.body);
      let waitMs: number;
      try {
        waitMs = parseWait(request.query.wait);
      } catch (error) {
        if (isTesseraError(error)) throw invalidRequest(error.message);
        throw error;
      }
      let clientId: string;
      try {
        clientId = (await oauth.authenticateClient(facts, params)).client.id;
      } catch (error) {
        if (error instanceof OAuthError && error.error === "invalid_client") {
          await oauth
            .recordClientAuthFailure(facts, params, "/oauth/revoke")
            .catch((err) => request.log.error({ err }, "could not audit a failed client authentication"));
        }
        throw error;
      }
      const { token, token_type_hint: hint } = params;
      if (typeof token !== "string" || token.length === 0) throw invalidRequest("token is required");
      if (hint !== undefined && typeof hint !== "string") throw invalidRequest("token_type_hint must be a string");
      const { sequence } = await oauth.revoke(clientId, token, request.id);
      if (request.query.wait === undefined) return {};
      // A receipt only for a change this request made: nothing about other clients' tokens.
      return { receipt: sequence === null ? null : await authority.feed.awaitReceipt(sequence, waitMs, clientId) };
    },
  );
};
