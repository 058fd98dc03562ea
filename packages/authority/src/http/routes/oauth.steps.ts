/**
 * The named steps the OAuth endpoints are built from, as node-oidc-provider builds an endpoint
 * from actions: parseBody, noStore, authenticateClient (auditing a refusal), then each route's
 * own validate, act and answer steps. Not a route module: the routes import these.
 */
import { Type } from "@sinclair/typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import {
  invalidRequest,
  type OAuthClient,
  OAuthError,
  type OAuthRequestFacts,
  type OAuthService,
} from "../../oauth/index.js";

export const OAuthErrorBody = Type.Object({ error: Type.String(), error_description: Type.Optional(Type.String()) });

/** The parsed form, or an `invalid_request` when the body is not form-encoded parameters. */
export function formParams(contentType: string | undefined, body: unknown): Record<string, unknown> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(contentType ?? "")) {
    throw invalidRequest("send the parameters as application/x-www-form-urlencoded");
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) return {};
  return body as Record<string, unknown>;
}

/** parseBody: the request's form parameters. */
export function parseBody(request: FastifyRequest): Record<string, unknown> {
  return formParams(request.headers["content-type"], request.body);
}

/** Token and revocation answers are never cached (RFC 6749 5.1). */
export function noStore(reply: FastifyReply): void {
  reply.header("cache-control", "no-store").header("pragma", "no-cache");
}

/**
 * authenticateClient: the client the request authenticates as. A refused authentication is
 * audited (a failure to audit is logged, and the refusal stands) and rethrown.
 */
export async function authenticateClient(
  oauth: OAuthService,
  request: FastifyRequest,
  facts: OAuthRequestFacts,
  params: Record<string, unknown>,
  route: string,
): Promise<OAuthClient> {
  try {
    return (await oauth.authenticateClient(facts, params)).client;
  } catch (error) {
    if (error instanceof OAuthError && error.error === "invalid_client") {
      await oauth
        .recordClientAuthFailure(facts, params, route)
        .catch((err) => request.log.error({ err }, "could not audit a failed client authentication"));
    }
    throw error;
  }
}
