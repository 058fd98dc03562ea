/**
 * The headers that tell the service behind the gateway who is calling. A client may send
 * headers of the same names; the proxy removes every `X-Tessera-*` header it receives before
 * adding its own, and the forward-auth snippets overwrite them, so they cannot be forged.
 * @module
 */
import type { VerifiedCredential } from "@tessera/verifier";

export const IDENTITY_PREFIX = "x-tessera-";

/** `X-Tessera-Principal`, `X-Tessera-Key-Id` or `X-Tessera-Token-Id`, `X-Tessera-Scopes`... */
export function identityHeaders(credential: VerifiedCredential): Record<string, string> {
  const headers: Record<string, string> = {
    "x-tessera-principal": credential.principalId,
    "x-tessera-scopes": credential.scopes.join(" "),
  };
  if (credential.kind === "access_token") {
    headers["x-tessera-token-id"] = credential.keyId;
    if (credential.clientId) headers["x-tessera-client-id"] = credential.clientId;
  } else {
    headers["x-tessera-key-id"] = credential.keyId;
  }
  if (credential.deprecated) headers["x-tessera-deprecated"] = "true";
  return headers;
}
