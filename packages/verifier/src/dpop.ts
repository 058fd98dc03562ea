/**
 * DPoP (RFC 9449) proof checks with node:crypto only: the resource-server side (with `ath`
 * and the token's `cnf.jkt`) and the authorization-server side share this one function.
 *
 * Replay protection needs shared state (a `jti` seen within the window must be refused), so
 * it is left to the caller: `verifyDpopProof` returns the proof's `jti` and the time until
 * which it must be remembered.
 * @module
 */
import { createHash, createPublicKey, type JsonWebKey, type KeyObject, verify as verifySignature } from "node:crypto";

/**
 * Signature algorithms accepted in DPoP proofs. `none` and symmetric algorithms never are.
 * @example
 * const metadata = { dpop_signing_alg_values_supported: [...DPOP_ALGORITHMS] };
 */
export const DPOP_ALGORITHMS = ["EdDSA", "Ed25519", "ES256", "ES384", "ES512", "RS256", "PS256"] as const;

/**
 * One of {@link DPOP_ALGORITHMS}.
 * @example
 * const alg: DpopAlgorithm = "EdDSA";
 */
export type DpopAlgorithm = (typeof DPOP_ALGORITHMS)[number];

/**
 * Why a proof was refused. Stable: callers switch on it.
 * @example
 * if (!result.ok && result.reason === "nonce_required") res.setHeader("DPoP-Nonce", nonce);
 */
export type DpopFailure =
  | "malformed"
  | "unsupported_algorithm"
  | "bad_signature"
  | "wrong_method"
  | "wrong_url"
  | "stale"
  | "nonce_required"
  | "wrong_nonce"
  | "wrong_access_token"
  | "wrong_key";

/**
 * What {@link verifyDpopProof} checks a proof against.
 * @example
 * const check: DpopCheck = { proof: req.headers.dpop, method: req.method, url: "https://api.example/orders", now: Date.now() / 1000 };
 */
export interface DpopCheck {
  /** The DPoP header value. */
  proof: unknown;
  /** HTTP method of the request, e.g. `POST`. */
  method: string;
  /** The request URL as the client addressed it; query and fragment are ignored. */
  url: string;
  /** Current time in epoch seconds. */
  now: number;
  /** How far `iat` may be from `now`, in seconds (default 60). */
  maxAgeSeconds?: number;
  /** Resource servers: the access token the proof must be bound to (`ath`). */
  accessToken?: string;
  /** The key thumbprint the token is bound to (`cnf.jkt`); the proof must be signed with it. */
  jkt?: string;
  /** When set, the proof's `nonce` claim must satisfy it. */
  nonce?: (nonce: string | undefined) => boolean;
}

/**
 * The outcome of {@link verifyDpopProof}: the proof's key thumbprint and `jti`, or why it was refused.
 * @example
 * const result: DpopResult = verifyDpopProof(check);
 * if (result.ok) console.log(result.jkt);
 */
export type DpopResult =
  | {
      ok: true;
      /** RFC 7638 SHA-256 thumbprint of the proof's key: what `cnf.jkt` binds to. */
      jkt: string;
      jti: string;
      /** Epoch seconds until which `jti` must be remembered to refuse a replay. */
      replayUntil: number;
    }
  | { ok: false; reason: DpopFailure };

const MAX_PROOF_LENGTH = 8192;

function decodeJson(part: string | undefined): Record<string, unknown> | null {
  if (part === undefined || part.length === 0 || !/^[A-Za-z0-9_-]+$/.test(part)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

const THUMBPRINT_MEMBERS: Record<string, readonly string[]> = {
  EC: ["crv", "kty", "x", "y"],
  OKP: ["crv", "kty", "x"],
  RSA: ["e", "kty", "n"],
};

/**
 * The RFC 7638 SHA-256 thumbprint of a public JWK, base64url: the value of `cnf.jkt`.
 * Returns null for a JWK that is not a supported public key.
 * @example
 * const jkt = jwkThumbprint(publicKey.export({ format: "jwk" }) as Record<string, unknown>);
 */
export function jwkThumbprint(jwk: Record<string, unknown>): string | null {
  const members = typeof jwk.kty === "string" ? THUMBPRINT_MEMBERS[jwk.kty] : undefined;
  if (!members) return null;
  const canonical: Record<string, string> = {};
  for (const name of members) {
    const value = jwk[name];
    if (typeof value !== "string" || value.length === 0) return null;
    canonical[name] = value;
  }
  return createHash("sha256").update(JSON.stringify(canonical)).digest("base64url");
}

function publicKeyFor(alg: DpopAlgorithm, jwk: Record<string, unknown>): KeyObject | null {
  // A private key in the header would be a client bug that leaks its key; refuse it.
  if ("d" in jwk || "p" in jwk || "q" in jwk) return null;
  const expected: Record<DpopAlgorithm, [string, string | undefined]> = {
    EdDSA: ["OKP", "Ed25519"],
    Ed25519: ["OKP", "Ed25519"],
    ES256: ["EC", "P-256"],
    ES384: ["EC", "P-384"],
    ES512: ["EC", "P-521"],
    RS256: ["RSA", undefined],
    PS256: ["RSA", undefined],
  };
  const [kty, crv] = expected[alg];
  if (jwk.kty !== kty || (crv !== undefined && jwk.crv !== crv)) return null;
  try {
    const key = createPublicKey({ key: jwk as JsonWebKey, format: "jwk" });
    if (kty === "RSA" && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) return null;
    return key;
  } catch {
    return null;
  }
}

function signatureValid(alg: DpopAlgorithm, key: KeyObject, input: Buffer, signature: Buffer): boolean {
  try {
    switch (alg) {
      case "EdDSA":
      case "Ed25519":
        return verifySignature(null, input, key, signature);
      case "ES256":
        return verifySignature("sha256", input, { key, dsaEncoding: "ieee-p1363" }, signature);
      case "ES384":
        return verifySignature("sha384", input, { key, dsaEncoding: "ieee-p1363" }, signature);
      case "ES512":
        return verifySignature("sha512", input, { key, dsaEncoding: "ieee-p1363" }, signature);
      case "RS256":
        return verifySignature("sha256", input, key, signature);
      case "PS256":
        return verifySignature("sha256", input, { key, padding: 6, saltLength: 32 }, signature);
    }
  } catch {
    return false;
  }
}

/** `htu` comparison (RFC 9449 4.3): scheme and host case-insensitively, no query or fragment. */
function normalizeUrl(url: string): string | null {
  try {
    const parsed = new URL(url);
    parsed.search = "";
    parsed.hash = "";
    return parsed.href;
  } catch {
    return null;
  }
}

/** SHA-256 of an access token, base64url: the `ath` claim. */
export function accessTokenHash(accessToken: string): string {
  return createHash("sha256").update(accessToken).digest("base64url");
}

/**
 * Checks a DPoP proof: its form, its signature by the embedded public key, `htm`, `htu`,
 * `iat` within the window, and, when asked, `nonce`, `ath` and the bound key. Never throws.
 * @example
 * const result = verifyDpopProof({ proof: req.headers.dpop, method: "GET", url: "https://api.example/orders",
 *   now: Math.floor(Date.now() / 1000), accessToken, jkt: claims.cnf.jkt });
 * if (!result.ok) reject(result.reason);
 * else if (!replayCache.add(result.jti, result.replayUntil)) reject("replayed");
 */
export function verifyDpopProof(check: DpopCheck): DpopResult {
  const { proof } = check;
  if (typeof proof !== "string" || proof.length > MAX_PROOF_LENGTH) return { ok: false, reason: "malformed" };
  const parts = proof.split(".");
  if (parts.length !== 3) return { ok: false, reason: "malformed" };
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJson(headerPart);
  const payload = decodeJson(payloadPart);
  if (!header || !payload || !/^[A-Za-z0-9_-]+$/.test(signaturePart)) return { ok: false, reason: "malformed" };
  if (header.typ !== "dpop+jwt") return { ok: false, reason: "malformed" };
  const alg = header.alg;
  if (typeof alg !== "string" || !(DPOP_ALGORITHMS as readonly string[]).includes(alg)) {
    return { ok: false, reason: "unsupported_algorithm" };
  }
  const jwk = header.jwk;
  if (jwk === null || typeof jwk !== "object" || Array.isArray(jwk)) return { ok: false, reason: "malformed" };
  const key = publicKeyFor(alg as DpopAlgorithm, jwk as Record<string, unknown>);
  const jkt = jwkThumbprint(jwk as Record<string, unknown>);
  if (!key || !jkt) return { ok: false, reason: "malformed" };
  const input = Buffer.from(`${headerPart}.${payloadPart}`, "ascii");
  if (!signatureValid(alg as DpopAlgorithm, key, input, Buffer.from(signaturePart, "base64url"))) {
    return { ok: false, reason: "bad_signature" };
  }

  const { jti, htm, htu, iat } = payload;
  if (typeof jti !== "string" || jti.length === 0 || jti.length > 256) return { ok: false, reason: "malformed" };
  if (typeof htm !== "string" || typeof htu !== "string" || typeof iat !== "number" || !Number.isFinite(iat)) {
    return { ok: false, reason: "malformed" };
  }
  if (htm !== check.method.toUpperCase()) return { ok: false, reason: "wrong_method" };
  const expectedUrl = normalizeUrl(check.url);
  if (expectedUrl === null || normalizeUrl(htu) !== expectedUrl) return { ok: false, reason: "wrong_url" };
  const window = check.maxAgeSeconds ?? 60;
  if (Math.abs(check.now - iat) > window) return { ok: false, reason: "stale" };
  if (check.nonce) {
    const nonce = payload.nonce;
    if (nonce !== undefined && typeof nonce !== "string") return { ok: false, reason: "malformed" };
    if (!check.nonce(nonce as string | undefined)) {
      return { ok: false, reason: nonce === undefined ? "nonce_required" : "wrong_nonce" };
    }
  }
  if (check.accessToken !== undefined && payload.ath !== accessTokenHash(check.accessToken)) {
    return { ok: false, reason: "wrong_access_token" };
  }
  if (check.jkt !== undefined && check.jkt !== jkt) return { ok: false, reason: "wrong_key" };
  return { ok: true, jkt, jti, replayUntil: Math.ceil(iat + window) };
}
