/** The audit record of a refused OAuth client authentication. */
import { displayStart, parseToken } from "@tessera/verifier";
import type { ServiceContext } from "../context.js";
import { runUnitOfWork } from "../db/transaction.js";
import type { OAuthRequestFacts } from "./request-facts.js";

/**
 * Audits a failed client authentication: the client id as presented (clipped), the method,
 * the address and the display start of a well-formed secret. Never the secret. Rejects when
 * the record could not be written: the caller logs that, and the refusal stands.
 */
export async function recordClientAuthFailure(
  ctx: ServiceContext,
  request: Pick<OAuthRequestFacts, "requestId" | "clientAddress" | "authorization">,
  params: Record<string, unknown>,
  route: string,
): Promise<void> {
  const { db, clock, config, commitListener } = ctx;
  const basic = typeof request.authorization === "string" && /^Basic /i.test(request.authorization);
  const secret = params.client_secret;
  const start =
    typeof secret === "string" && parseToken(secret, new Set(config.acceptedKeyPrefixes)) ? displayStart(secret) : null;
  await runUnitOfWork({ db, clock, commitListener }, (unit) =>
    unit.appendAudit({
      actor: "anonymous",
      action: "oauth.client_auth.failed",
      targetType: "route",
      targetId: route,
      requestId: request.requestId,
      data: {
        clientId: typeof params.client_id === "string" ? params.client_id.slice(0, 128) : null,
        method: basic ? "client_secret_basic" : "client_secret_post",
        ip: request.clientAddress,
        start,
      },
    }),
  );
}
