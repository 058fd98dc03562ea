/** The one place an OAuth route turns its Fastify request into the plain facts the OAuth services take. */
import type { FastifyRequest } from "fastify";
import type { OAuthRequestFacts } from "../oauth/index.js";

export function oauthRequestFacts(request: FastifyRequest): OAuthRequestFacts {
  return {
    requestId: request.id,
    method: request.method,
    clientAddress: request.ip,
    authorization: request.headers.authorization,
    dpop: request.headers.dpop,
  };
}
