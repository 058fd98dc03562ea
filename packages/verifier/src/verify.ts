/**
 * Local verification against a replica: no I/O, never throws. API keys: checksum, SHA-256,
 * one table lookup, expiry, audience, scopes. Access tokens: see jwt.ts.
 * @module
 */
import { looksLikeJwt, type SignatureCache, verifyAccessToken } from "./jwt.js";
import type { Replica } from "./replica.js";
import { parseToken } from "./token-format.js";
import type { VerifyFailure, VerifyOptions, VerifyRejection, VerifyResult } from "./types.js";
import { VERIFY_FAILURES } from "./wire.js";

const REJECTIONS = Object.fromEntries(
  VERIFY_FAILURES.map((reason) => [reason, Object.freeze({ ok: false as const, reason })]),
) as Record<VerifyFailure, VerifyRejection>;

/** The shared, frozen rejection for `reason` (rejections allocate nothing). */
export function rejection(reason: VerifyFailure): VerifyRejection {
  return REJECTIONS[reason];
}

function hasScopes(held: readonly string[], required: readonly string[] | undefined): boolean {
  if (required === undefined) return true;
  for (let i = 0; i < required.length; i++) if (!held.includes(required[i] as string)) return false;
  return true;
}

export interface LocalVerifyContext {
  replica: Replica;
  cache: SignatureCache;
  issuer: string | undefined;
  prefixes: ReadonlySet<string> | undefined;
  clockToleranceSeconds: number;
  /**
   * Told of every canary key presented (its id, and the token so that middleware can match the
   * request it came in); the verification answers exactly as for an unknown key.
   */
  onCanary?: ((keyId: string, token: string) => void) | undefined;
}

/** An API key (at most 64 characters, no dots): the hot path, kept small so that it inlines. */
function verifyApiKey(
  token: string,
  options: VerifyOptions | undefined,
  ctx: LocalVerifyContext,
  nowMs: number,
): VerifyResult {
  // Hash first: a token found in the replica was issued, so it is well-formed. The checksum
  // only decides, on a miss, between "malformed" and "unknown" (garbage is at most 64
  // characters here, so hashing it costs what hashing a real key does).
  const key = ctx.replica.lookupToken(token);
  if (key === undefined || typeof key === "string") {
    // A canary takes the unknown key's path, checksum included: same answer, same work.
    if (parseToken(token, ctx.prefixes) === null) return REJECTIONS.malformed;
    if (key === undefined) return REJECTIONS.unknown;
    if (key === "canary") {
      ctx.onCanary?.(ctx.replica.canaryKeyId, token);
      return REJECTIONS.unknown;
    }
    return REJECTIONS[key];
  }
  if (ctx.prefixes !== undefined && parseToken(token, ctx.prefixes) === null) return REJECTIONS.malformed;
  if (key.expiresAt !== null && nowMs >= key.expiresAt) return REJECTIONS.expired;
  if (options !== undefined) {
    const audience = options.audience;
    if (audience !== undefined && key.audience !== null && key.audience !== audience) {
      return REJECTIONS.audience_mismatch;
    }
    if (!hasScopes(key.scopes, options.scopes)) return REJECTIONS.scope_insufficient;
  }
  return key;
}

/** Verifies `token` against `ctx.replica` at `nowMs`. The caller has checked freshness. */
export function verifyLocally(
  token: unknown,
  options: VerifyOptions | undefined,
  ctx: LocalVerifyContext,
  nowMs: number,
): VerifyResult {
  if (typeof token !== "string" || token.length === 0) return REJECTIONS.malformed;
  if (token.length <= 64 && token.indexOf(".") === -1) return verifyApiKey(token, options, ctx, nowMs);
  return verifyJwt(token, options, ctx, nowMs);
}

/** A JWT access token: see jwt.ts. */
function verifyJwt(
  token: string,
  options: VerifyOptions | undefined,
  ctx: LocalVerifyContext,
  nowMs: number,
): VerifyResult {
  if (!looksLikeJwt(token)) return REJECTIONS.malformed;
  const checked = verifyAccessToken(token, {
    replica: ctx.replica,
    cache: ctx.cache,
    issuer: ctx.issuer,
    nowMs,
    clockToleranceSeconds: ctx.clockToleranceSeconds,
  });
  if (!checked.ok) return REJECTIONS[checked.reason];
  if (options !== undefined) {
    if (options.audience !== undefined) {
      const aud = checked.claims.aud;
      const fits =
        aud === undefined ? false : typeof aud === "string" ? aud === options.audience : aud.includes(options.audience);
      if (!fits) return REJECTIONS.audience_mismatch;
    }
    if (!hasScopes(checked.claims.scopes, options.scopes)) return REJECTIONS.scope_insufficient;
  }
  return checked.result;
}
