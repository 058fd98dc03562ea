/**
 * The wire contract between the authority and every replica: the change feed's snapshot
 * chunks, key records, compact revocation forms, OAuth replica state, and the failure reasons
 * verifiers report back. Declared once, here, and imported by both sides (the authority's
 * feed, snapshot and replica-state code, this package's replica and its test fake), so that a
 * protocol change fails to compile on both. Types and constants only: no code runs here.
 * docs/events.md describes the events these shapes travel in.
 *
 * @example
 * import { HASH_LENGTH, type KeyRecordWire } from "@tessera/verifier/wire";
 * const record: KeyRecordWire = { id: "key_1", ordinal: 1, hash, principalId: "prn_1", scopes: [],
 *   audience: null, expiresAt: null, deprecated: false };
 * if (record.hash.length !== HASH_LENGTH) throw new Error("not a base64url SHA-256");
 * @module
 */

/**
 * Length of a token hash on the wire: unpadded base64url of a SHA-256 digest.
 * @example
 * hashToken(secret).length === HASH_LENGTH // true
 */
export const HASH_LENGTH = 43;

/**
 * How often the authority sends a `heartbeat` on every live feed connection.
 * @example
 * const idleTimeoutMs = 3 * HEARTBEAT_INTERVAL_MS; // three missed heartbeats
 */
export const HEARTBEAT_INTERVAL_MS = 1000;

/**
 * A verifier's name (`GET /v1/feed?name=`): 1-128 letters, digits or `. _ : @ -`, starting with a letter or digit.
 * @example
 * VERIFIER_NAME_PATTERN.test("checkout-1") // true
 */
export const VERIFIER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

/**
 * The content type of the ack stream's body (`POST /v1/verifiers/acks/stream`): one applied sequence per line.
 * @example
 * request.setHeader("content-type", ACK_STREAM_CONTENT_TYPE); request.write("42\n");
 */
export const ACK_STREAM_CONTENT_TYPE = "application/x-tessera-acks";

/**
 * Why a verification failed, as `verify()` returns it and as verifiers report it in usage
 * batches (the authority's `tessera_verifier_blocked_requests_total` labels). Stable.
 * @example
 * const reasons = VERIFY_FAILURES.map((reason) => Type.Literal(reason)); // the usage route's schema
 */
export const VERIFY_FAILURES = [
  /** Not a well-formed token (bad checksum, garbage, unsupported JWT header, `alg: none`...). */
  "malformed",
  /** Well-formed but not known to this verifier (never issued, revoked before it connected, unknown `kid`). */
  "unknown",
  /** Revoked (key, access token, grant family, principal cutoff or signing key retired in an emergency). */
  "revoked",
  /** An API key suspended (`POST /v1/keys/{id}/suspend`, or its principal's): refused until resumed. */
  "suspended",
  "expired",
  /** A JWT whose `nbf` is in the future. */
  "not_yet_valid",
  /** A JWT whose signature does not match its key. */
  "bad_signature",
  /** A JWT from another issuer. */
  "issuer_mismatch",
  "scope_insufficient",
  "audience_mismatch",
  /** The replica is older than the staleness bound (or not loaded yet): fail closed. */
  "stale",
  /** Middleware only: no credential in the request. */
  "missing",
  /** Middleware only: a DPoP-bound token without a valid proof. */
  "dpop_invalid",
] as const;

/**
 * Why a verification failed (one of {@link VERIFY_FAILURES}).
 * @example
 * const result = verifier.verify(token);
 * if (!result.ok) switch (result.reason) { case "revoked": case "expired": ... }
 */
export type VerifyFailure = (typeof VERIFY_FAILURES)[number];

/**
 * Outcomes only a usage report carries, never `verify()`. `canary`: a canary key was
 * presented; the caller was answered exactly as for an unknown key, and only this report (sent
 * at once, not with the next batch) names the key. Stable.
 * @example
 * const outcomes = [...VERIFY_FAILURES, ...REPORT_ONLY_OUTCOMES]; // what the usage route accepts besides "ok"
 */
export const REPORT_ONLY_OUTCOMES = ["canary"] as const;

/**
 * A verification's outcome as a usage batch reports it.
 * @example
 * const outcome: UsageOutcome = result.ok ? "ok" : result.reason;
 */
export type UsageOutcome = "ok" | VerifyFailure | (typeof REPORT_ONLY_OUTCOMES)[number];

/**
 * A key record as change events carry it (`key.issued`, `key.updated`, `key.rotated`...). The hash, never the secret.
 * @example
 * { "id": "key_1", "ordinal": 7, "hash": "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg", "principalId": "prn_1",
 *   "scopes": ["orders:read"], "audience": null, "expiresAt": null, "deprecated": false }
 */
export interface KeyRecordWire {
  id: string;
  /** The key's ordinal (unique, never reused): large revocations name ranges of them. */
  ordinal: number;
  /** Base64url SHA-256 of the secret ({@link HASH_LENGTH} characters). */
  hash: string;
  principalId: string;
  scopes: string[];
  audience: string | null;
  /** Epoch ms; null: never expires. */
  expiresAt: number | null;
  deprecated: boolean;
  /** Suspended: refused with `suspended` until a `key.resumed`. Absent: false. */
  suspended?: boolean;
  /** A canary: answered as an unknown key, its use reported at once. Absent: false. */
  canary?: boolean;
}

/**
 * A snapshot's `keys` chunk, by column: strings and scope lists named once, keys pointing at
 * them by index. Columns parse fast and build no object per key.
 * @example
 * { "p": ["prn_1"], "s": [["orders:read"]], "i": "key_1 key_2", "h": "<86 characters>",
 *   "pi": [0, 0], "si": [0, 0], "e": [0, 0], "o": [7, 1] }
 */
export interface KeyChunkWire {
  /** The principal ids and audiences of this chunk. */
  p: string[];
  /** The scope lists of this chunk. */
  s: string[][];
  /** Key ids, separated by single spaces. */
  i: string;
  /** Token hashes ({@link HASH_LENGTH}-character base64url SHA-256), concatenated in key order. */
  h: string;
  /** Per key: index of its principal id in `p`. */
  pi: number[];
  /** Per key: index of its scope list in `s`. */
  si: number[];
  /** Per key: index of its audience in `p`, -1 for none (absent: no key of the chunk has one). */
  a?: number[];
  /** Per key: expiry in epoch ms, 0 for none. */
  e: number[];
  /** Positions (in key order) of the deprecated keys (absent: none). */
  d?: number[];
  /** Positions (in key order) of the suspended keys (absent: none). */
  u?: number[];
  /** Positions (in key order) of the canary keys (absent: none). */
  c?: number[];
  /** Per key: its ordinal minus the ordinal of the key before it (the first: its ordinal). */
  o: number[];
}

/**
 * The `hello` event that opens every feed connection.
 * @example
 * { "verifierId": "vfy_x", "authorityInstance": "ain_y", "head": 42, "issuer": "http://localhost:7070" }
 */
export interface HelloWire {
  /** The verifier id the authority lists this connection under. */
  verifierId: string;
  authorityInstance: string;
  /** The head of the change log when the connection opened. */
  head: number;
  /** The `iss` of the authority's access tokens. */
  issuer: string;
}

/**
 * The `snapshot` event that opens a snapshot: its change-log sequence and the OAuth state.
 * @example
 * { "sequence": 42, "oauth": { "signingKeys": [], "revokedJtis": [], "revokedFamilies": [], "principalCutoffs": [] } }
 */
export interface SnapshotStartWire {
  sequence: number;
  oauth: OAuthStateWire;
}

/**
 * The `snapshot_end` event: the replica is the state after change `sequence`.
 * @example
 * { "sequence": 42, "keyCount": 1000 }
 */
export interface SnapshotEndWire {
  sequence: number;
  keyCount: number;
}

/**
 * The `heartbeat` event, about every second: the head of the change log.
 * @example
 * { "head": 42, "at": 1767225600000 }
 */
export interface HeartbeatWire {
  head: number;
  at: number;
}

/**
 * A public signing key as verifiers receive it (snapshot, `signing_key.published`).
 * @example
 * { "kid": "sig_1", "jwk": { "kty": "OKP", "crv": "Ed25519", "x": "..." }, "notBefore": 1767225600000 }
 */
export interface SigningKeyWire {
  kid: string;
  /** Public JWK (OKP Ed25519 by default). Never the private part. */
  jwk: Record<string, unknown>;
  /** Epoch ms from which the authority signs with it. */
  notBefore: number;
  /** Absent (a `signing_key.published` event): false. */
  retired?: boolean;
  /** Retired in an emergency: every token it signed is invalid at once. Absent: false. */
  emergency?: boolean;
}

/**
 * The OAuth part of a snapshot: what a replica needs to verify and refuse JWT access tokens.
 * @example
 * { "signingKeys": [...], "revokedJtis": [{ "jti": "at_1", "exp": 1767229200 }], "revokedFamilies": [],
 *   "principalCutoffs": [{ "principalId": "prn_1", "before": 1767225600 }] }
 */
export interface OAuthStateWire {
  signingKeys: SigningKeyWire[];
  /** Revoked access tokens by `jti`, kept until `exp` (epoch s). */
  revokedJtis: Array<{ jti: string; exp: number }>;
  /** Revoked grant families by `gid`, kept until `exp` (epoch s). */
  revokedFamilies: Array<{ familyId: string; exp: number }>;
  /** Tokens of `principalId` issued before `before` (epoch s) are revoked. */
  principalCutoffs: Array<{ principalId: string; before: number }>;
}

/**
 * Per principal id, ascending inclusive ranges of key ordinals: `[lo0, hi0, lo1, hi1, ...]`.
 * @example
 * { "prn_1": [100, 199, 250, 260] } // ordinals 100-199 and 250-260 of prn_1
 */
export type RevocationRunsWire = Record<string, number[]>;

/**
 * Every key holding `scope`, of `principalId` when given.
 * @example
 * { "scope": "orders:write", "principalId": "prn_1" }
 */
export interface ScopeMatchWire {
  scope: string;
  principalId?: string;
}

/**
 * Revoked ordinals as bits over their span: bit k (byte k >> 3, least significant bit first)
 * for the key with ordinal `from + k`.
 * @example
 * { "from": 100, "bits": "BQ==" } // ordinals 100 and 102
 */
export interface OrdinalBitmapWire {
  /** The lowest ordinal of the revocation. */
  from: number;
  /** Base64 (RFC 4648, with padding) of the bitmap's bytes. */
  bits: string;
}

/**
 * Revoked ordinals ascending: the lowest, then each one's difference from the one before (all >= 1).
 * @example
 * [100, 2, 5] // ordinals 100, 102, 107
 */
export type OrdinalDeltasWire = number[];

/**
 * The compact forms a large `key.revoked` may carry instead of (or beside) its ids.
 * @example
 * { "ordinalDeltas": [100, 2, 5] }
 */
export interface CompactRevocationWire {
  runs?: RevocationRunsWire;
  scopeMatch?: ScopeMatchWire;
  ordinalBitmap?: OrdinalBitmapWire;
  ordinalDeltas?: OrdinalDeltasWire;
}

/**
 * A `key.revoked` change's data as verifiers receive it: the ids listed (`ids`, or `idList`
 * space-separated for large lists), or one compact form.
 * @example
 * { "idList": "key_1 key_2", "count": 2, "reason": "leak", "cause": "revocation.selector" }
 */
export interface KeyRevokedWire extends CompactRevocationWire {
  ids?: string[];
  idList?: string;
  /** How many keys the change revoked (compact forms name them without listing them). */
  count?: number;
  reason?: unknown;
  cause?: unknown;
}

/**
 * A `key.suspended` or `key.resumed` change's data: the keys named, why, and what caused it
 * (`key.suspend`, `key.resume`, `principal.suspend`, `principal.resume`, or a detector).
 * @example
 * { "ids": ["key_1"], "reason": "odd traffic", "cause": "key.suspend" }
 */
export interface KeySuspensionWire {
  ids: string[];
  reason?: unknown;
  cause?: unknown;
  /** Set when a principal's suspension (or its resumption) caused it. */
  principalId?: string;
}
