/**
 * POST /oauth/revoke (RFC 7009). A client revokes its own tokens: a JWT access token (by its
 * `jti`) or a refresh token (its whole grant family, access tokens included). Unknown, expired
 * and other clients' tokens get the same 200 and change nothing. `token_type_hint` is only a
 * hint: the token's form says what it is. With `?wait=5s` the answer waits until every
 * connected verifier applied the revocation (or the wait ends) and carries the receipt.
 */
import { type Static, Type } from "@sinclair/typebox";
import { isTesseraError } from "../../errors.js";
import { invalidRequest, oauthErrorHandler } from "../../oauth/index.js";
import { oauthRequestFacts } from "../oauth-request-facts.js";
import type { RouteModule } from "../route.js";
import { authenticateClient, noStore, OAuthErrorBody, parseBody } from "./oauth.steps.js";
import { parseWait, ReceiptSchema, WaitQuery } from "./receipts.schema.js";

/** validateWait: the `?wait=` duration, as an RFC error when it is malformed. */
function validateWait(wait: string | undefined): number {
  try {
    return parseWait(wait);
  } catch (error) {
    if (isTesseraError(error)) throw invalidRequest(error.message);
    throw error;
  }
}

/** validateToken: the token to revoke; `token_type_hint` is only checked for shape. */
function validateToken(params: Record<string, unknown>): string {
  const { token, token_type_hint: hint } = params;
  if (typeof token !== "string" || token.length === 0) throw invalidRequest("token is required");
  if (hint !== undefined && typeof hint !== "string") throw invalidRequest("token_type_hint must be a string");
  return token;
}

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
      noStore(reply);
      const params = parseBody(request);
      const waitMs = validateWait(request.query.wait);
      const clientId = (await authenticateClient(oauth, request, facts, params, "/oauth/revoke")).id;
      const token = validateToken(params);
      const { sequence } = await oauth.revoke(clientId, token, facts.requestId);
      if (request.query.wait === undefined) return {};
      // A receipt only for a change this request made: nothing about other clients' tokens.
      return { receipt: sequence === null ? null : await authority.feed.awaitReceipt(sequence, waitMs, clientId) };
    },
  );
};
