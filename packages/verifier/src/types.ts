/** Why a verification failed. Stable: callers switch on it. */
export type VerifyFailure =
  /** Not a well-formed token (bad checksum, garbage, unsupported JWT header, `alg: none`...). */
  | "malformed"
  /** Well-formed but not known to this verifier (never issued, or revoked before it connected). */
  | "unknown"
  /** Revoked (key, access token, grant family, principal cutoff or signing key retired in an emergency). */
  | "revoked"
  | "expired"
  /** A JWT whose `nbf` is in the future. */
  | "not_yet_valid"
  /** A JWT whose signature does not match its key. */
  | "bad_signature"
  /** A JWT from another issuer. */
  | "issuer_mismatch"
  | "scope_insufficient"
  | "audience_mismatch"
  /** The replica is older than the staleness bound (or not loaded yet): fail closed. */
  | "stale"
  /** Middleware only: no credential in the request. */
  | "missing"
  /** Middleware only: a DPoP-bound token without a valid proof. */
  | "dpop_invalid";

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
