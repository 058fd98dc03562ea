/**
 * What the OAuth services need to know about an HTTP request, as plain values: the services never
 * see a Fastify object, so the CLI, tests or another server can call them with the same facts.
 */
export interface OAuthRequestFacts {
  requestId: string;
  /** The HTTP method, checked against a DPoP proof's `htm`. */
  method: string;
  /** The client's address as the server resolved it (audit records name it). */
  clientAddress: string;
  /** The `Authorization` header as sent, if any. */
  authorization: string | undefined;
  /** The `DPoP` header as sent; an array when the header was repeated. */
  dpop: string | string[] | undefined;
}

/** Whether the request carries client credentials at all (Basic header or client_secret). */
export function hasClientCredentials(
  facts: Pick<OAuthRequestFacts, "authorization">,
  body: Record<string, unknown>,
): boolean {
  const header = facts.authorization;
  return (typeof header === "string" && /^Basic /i.test(header)) || body.client_secret !== undefined;
}
