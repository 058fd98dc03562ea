import type { VerifyFailure } from "./wire.js";

export type { VerifyFailure } from "./wire.js";

/**
 * A credential that verified.
 * @example
 * const result = verifier.verify(token);
 * if (result.ok) console.log(result.kind, result.principalId, result.scopes);
 */
export interface VerifiedCredential {
  ok: true;
  /** The principal the credential belongs to (`sub` of an access token). */
  principalId: string;
  scopes: readonly string[];
  /** The API key id, or the access token's `jti`. */
  keyId: string;
  kind: "api_key" | "access_token";
  /** An API key in a rotation's grace window: its holder should switch to the replacement. */
  deprecated?: true;
  /** Access tokens: the OAuth client. */
  clientId?: string;
  /** Access tokens bound to a key (RFC 9449): the JWK thumbprint the DPoP proof must match. */
  jkt?: string;
  /** API keys: the audience the key is restricted to (null: any). */
  audience?: string | null;
  /** API keys: expiry, epoch ms (null: none). */
  expiresAt?: number | null;
}

/**
 * A credential that did not verify, and why.
 * @example
 * const result = verifier.verify(token);
 * if (!result.ok && result.reason === "stale") res.setHeader("Retry-After", "1");
 */
export interface VerifyRejection {
  ok: false;
  reason: VerifyFailure;
}

/**
 * What `verify()` returns: expected outcomes are values, not exceptions.
 * @example
 * const result: VerifyResult = verifier.verify(token, { scopes: ["orders:read"] });
 */
export type VerifyResult = VerifiedCredential | VerifyRejection;

/**
 * What a route requires.
 * @example
 * verifier.verify(token, { scopes: ["orders:write"], audience: "orders-api" });
 */
export interface VerifyOptions {
  /** Every one of these scopes must be held. */
  scopes?: readonly string[];
  /** The credential must be meant for this audience (keys without an audience fit any). */
  audience?: string;
}
