/**
 * JWT access tokens (RFC 9068) checked with node:crypto against the signing keys the feed
 * delivered. Signature checks are cached by token string in a bounded LRU, so a token seen
 * before costs map lookups; revocation, expiry and audience are checked on every call.
 * @module
 */
import { verify as verifySignature } from "node:crypto";
import type { Replica, SigningKeyEntry } from "./replica.js";
import type { VerifiedCredential, VerifyFailure } from "./types.js";

/** Longest access token considered; anything longer is `malformed` without being decoded. */
export const MAX_JWT_LENGTH = 8192;

/** The claims a verified access token carried, as used for the checks. */
export interface AccessTokenClaims {
  iss: unknown;
  sub: string;
  aud: string | string[] | undefined;
  exp: number;
  nbf: number | undefined;
  iat: number;
  jti: string;
  gid: string | undefined;
  clientId: string | undefined;
  scopes: readonly string[];
  jkt: string | undefined;
}

interface CachedToken {
  claims: AccessTokenClaims;
  signingKey: SigningKeyEntry;
  result: VerifiedCredential;
}

const SIGNING_INPUT: Record<string, { hash: string | null; pss?: boolean; p1363?: boolean }> = {
  EdDSA: { hash: null },
  Ed25519: { hash: null },
  ES256: { hash: "sha256", p1363: true },
  ES384: { hash: "sha384", p1363: true },
  RS256: { hash: "sha256" },
  PS256: { hash: "sha256", pss: true },
};

function decodeJson(part: string): unknown {
  if (part.length === 0 || !/^[A-Za-z0-9_-]+$/.test(part)) return undefined;
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
}

/** True when `token` has the shape of a JWS compact serialisation (three base64url parts). */
export function looksLikeJwt(token: string): boolean {
  const first = token.indexOf(".");
  return first > 0 && token.indexOf(".", first + 1) > first + 1 && token.split(".").length === 3;
}

type Checked = { ok: true; cached: CachedToken } | { ok: false; reason: VerifyFailure };

/** Decodes a token and checks its header, signature and claim shapes (not time, audience or revocation). */
function decodeAndCheck(token: string, replica: Replica): Checked {
  const [h, p, s] = token.split(".") as [string, string, string];
  const header = decodeJson(h) as Record<string, unknown> | undefined;
  if (!header || typeof header !== "object") return { ok: false, reason: "malformed" };
  const typ = typeof header.typ === "string" ? header.typ.toLowerCase() : "";
  if (typ !== "at+jwt" && typ !== "application/at+jwt") return { ok: false, reason: "malformed" };
  const alg = header.alg;
  if (typeof alg !== "string" || !(alg in SIGNING_INPUT)) return { ok: false, reason: "malformed" };
  if (header.crit !== undefined) return { ok: false, reason: "malformed" };
  if (typeof header.kid !== "string") return { ok: false, reason: "malformed" };
  const signingKey = replica.signingKeys.get(header.kid);
  if (!signingKey) return { ok: false, reason: "unknown" };
  if (!signingKey.algs.has(alg)) return { ok: false, reason: "bad_signature" };
  if (!/^[A-Za-z0-9_-]+$/.test(s)) return { ok: false, reason: "malformed" };
  const spec = SIGNING_INPUT[alg] as (typeof SIGNING_INPUT)[string];
  let valid: boolean;
  try {
    const key = spec.pss
      ? { key: signingKey.key, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 }
      : spec.p1363
        ? { key: signingKey.key, dsaEncoding: "ieee-p1363" as const }
        : signingKey.key;
    valid = verifySignature(spec.hash, Buffer.from(`${h}.${p}`), key, Buffer.from(s, "base64url"));
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: "bad_signature" };
  const payload = decodeJson(p) as Record<string, unknown> | undefined;
  if (!payload || typeof payload !== "object") return { ok: false, reason: "malformed" };
  const { sub, exp, iat, jti, nbf, aud, gid, scope, client_id: clientId, cnf } = payload;
  if (typeof sub !== "string" || typeof exp !== "number" || typeof iat !== "number" || typeof jti !== "string") {
    return { ok: false, reason: "malformed" };
  }
  if (nbf !== undefined && typeof nbf !== "number") return { ok: false, reason: "malformed" };
  if (
    aud !== undefined &&
    typeof aud !== "string" &&
    !(Array.isArray(aud) && aud.every((a) => typeof a === "string"))
  ) {
    return { ok: false, reason: "malformed" };
  }
  const scopes = Object.freeze(typeof scope === "string" ? scope.split(" ").filter(Boolean) : []);
  const jkt =
    typeof cnf === "object" && cnf !== null && typeof (cnf as { jkt?: unknown }).jkt === "string"
      ? (cnf as { jkt: string }).jkt
      : undefined;
  const claims: AccessTokenClaims = {
    iss: payload.iss,
    sub,
    aud: aud as string | string[] | undefined,
    exp,
    nbf: nbf as number | undefined,
    iat,
    jti,
    gid: typeof gid === "string" ? gid : undefined,
    clientId: typeof clientId === "string" ? clientId : undefined,
    scopes,
    jkt,
  };
  const result: VerifiedCredential = Object.freeze({
    ok: true as const,
    principalId: sub,
    scopes,
    keyId: jti,
    kind: "access_token" as const,
    ...(claims.clientId ? { clientId: claims.clientId } : {}),
    ...(jkt ? { jkt } : {}),
  });
  return { ok: true, cached: { claims, signingKey, result } };
}

/** Bounded LRU of tokens whose signature verified. */
export class SignatureCache {
  private readonly entries = new Map<string, CachedToken>();
  constructor(private readonly capacity: number) {}

  get(token: string): CachedToken | undefined {
    const entry = this.entries.get(token);
    if (entry !== undefined && this.entries.size > 64) {
      // Refresh recency (skipped for tiny caches, where eviction order hardly matters).
      this.entries.delete(token);
      this.entries.set(token, entry);
    }
    return entry;
  }

  set(token: string, entry: CachedToken): void {
    if (this.capacity <= 0) return;
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(token, entry);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

export interface JwtCheckContext {
  replica: Replica;
  cache: SignatureCache;
  issuer: string | undefined;
  nowMs: number;
  clockToleranceSeconds: number;
}

/**
 * Verifies an access token: signature (cached), then on every call expiry, `nbf`, issuer,
 * revocation by `jti`, grant family, principal cutoff and emergency key retirement.
 */
export function verifyAccessToken(
  token: string,
  ctx: JwtCheckContext,
): { ok: true; claims: AccessTokenClaims; result: VerifiedCredential } | { ok: false; reason: VerifyFailure } {
  if (token.length > MAX_JWT_LENGTH) return { ok: false, reason: "malformed" };
  let cached = ctx.cache.get(token);
  if (cached && ctx.replica.signingKeys.get(cached.signingKey.kid) !== cached.signingKey) cached = undefined;
  if (!cached) {
    const checked = decodeAndCheck(token, ctx.replica);
    if (!checked.ok) return checked;
    cached = checked.cached;
    ctx.cache.set(token, cached);
  }
  const { claims, signingKey } = cached;
  if (signingKey.emergency) return { ok: false, reason: "revoked" };
  const now = ctx.nowMs / 1000;
  const tolerance = ctx.clockToleranceSeconds;
  if (now >= claims.exp + tolerance) return { ok: false, reason: "expired" };
  if (claims.nbf !== undefined && now + tolerance < claims.nbf) return { ok: false, reason: "not_yet_valid" };
  if (ctx.issuer !== undefined && claims.iss !== ctx.issuer) return { ok: false, reason: "issuer_mismatch" };
  const { replica } = ctx;
  if (replica.revokedJtis.has(claims.jti)) return { ok: false, reason: "revoked" };
  if (claims.gid !== undefined && replica.revokedFamilies.has(claims.gid)) return { ok: false, reason: "revoked" };
  const cutoff = replica.principalCutoffs.get(claims.sub);
  if (cutoff !== undefined && claims.iat < cutoff) return { ok: false, reason: "revoked" };
  return { ok: true, claims, result: cached.result };
}
