import type { VerifyFailure } from "./wire.js";

export type { VerifyFailure } from "./wire.js";

/** A credential that verified. */
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

export interface VerifyRejection {
  ok: false;
  reason: VerifyFailure;
}

export type VerifyResult = VerifiedCredential | VerifyRejection;

/** What a route requires. */
export interface VerifyOptions {
  /** Every one of these scopes must be held. */
  scopes?: readonly string[];
  /** The credential must be meant for this audience (keys without an audience fit any). */
  audience?: string;
}
