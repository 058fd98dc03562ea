/**
 * JWT access tokens (RFC 9068): `typ: at+jwt`, EdDSA, `kid`; claims `iss sub aud client_id
 * scope jti iat exp gid` (and `cnf.jkt` when DPoP-bound). Verified statelessly by signature,
 * and checked against the revocation state here: a revoked `jti`, a revoked grant family, a
 * principal cutoff, a disabled principal or a retired signing key make a token inactive before
 * its `exp`.
 */
import type { KeyObject, webcrypto } from "node:crypto";
import { randomBase62 } from "@tessera/verifier";
import { decodeProtectedHeader, jwtVerify } from "jose";
import { CompiledQuery, sql } from "kysely";
import type { ServiceContext } from "../context.js";
import { createCachedRead } from "../db/cached-read.js";
import { idRandomBytes } from "../ids.js";
import { signCompactEdDSA } from "./jws-sign.js";
import type { SigningKeyService } from "./signing-keys.js";

export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  client_id: string;
  scope: string;
  jti: string;
  iat: number;
  exp: number;
  /** The grant family: revoking the family revokes this token. */
  gid: string;
  cnf?: { jkt: string };
}

export interface MintInput {
  clientId: string;
  familyId: string;
  scope: string;
  audience: string;
  jkt: string | null;
  ttlSeconds: number;
  /** Epoch ms. */
  now: number;
}

interface RevocationStateRow {
  jti_revoked: number | null;
  family_revoked_at: number | null;
  cutoff: number | null;
  principal_status: string | null;
  key_retired_at: number | null;
}

/** Tokens whose signature was verified, remembered until they expire (bounded). */
const VERIFIED_CACHE_SIZE = 10_000;

type Signer = { kid: string; privateKey: KeyObject };
type VerifiedToken = { claims: AccessTokenClaims; kid: string };
type VerifiedCache = Map<string, VerifiedToken>;

/**
 * Signs an access token with `signer` (from `signingKeys.signer()`, fetched before a unit of
 * work opens: on SQLite the transaction holds the only connection).
 */
export async function mintAccessToken(
  issuer: string,
  input: MintInput,
  signer: Signer,
): Promise<{ token: string; claims: AccessTokenClaims }> {
  const { kid, privateKey } = signer;
  const iat = Math.floor(input.now / 1000);
  const claims: AccessTokenClaims = {
    iss: issuer,
    sub: input.clientId,
    aud: input.audience,
    client_id: input.clientId,
    scope: input.scope,
    jti: randomBase62(22, idRandomBytes),
    iat,
    exp: iat + input.ttlSeconds,
    gid: input.familyId,
    ...(input.jkt ? { cnf: { jkt: input.jkt } } : {}),
  };
  const token = await signCompactEdDSA({ typ: "at+jwt", kid }, claims, privateKey);
  return { token, claims };
}

/** Cheap shape test: three base64url parts whose header claims to be ours. */
export function looksLikeJwt(token: unknown): token is string {
  return typeof token === "string" && token.length < 8192 && /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/.test(token);
}

/** The `kid` of a token whose header says `at+jwt` and EdDSA; null for anything else. */
function headerKid(token: string): string | null {
  let kid: unknown;
  try {
    const header = decodeProtectedHeader(token);
    if (header.typ !== "at+jwt" || header.alg !== "EdDSA") return null;
    kid = header.kid;
  } catch {
    return null;
  }
  return typeof kid === "string" && kid.length <= 128 ? kid : null;
}

/** Signature, issuer, type, time and required claims under `key`; null when any fails. */
async function verifiedClaims(
  ctx: ServiceContext,
  token: string,
  key: webcrypto.CryptoKey,
): Promise<AccessTokenClaims | null> {
  let claims: AccessTokenClaims;
  try {
    const result = await jwtVerify(token, key, {
      algorithms: ["EdDSA"],
      typ: "at+jwt",
      issuer: ctx.config.issuer,
      currentDate: new Date(ctx.clock.now()),
      requiredClaims: ["sub", "aud", "client_id", "scope", "jti", "iat", "exp", "gid"],
    });
    claims = result.payload as unknown as AccessTokenClaims;
  } catch {
    return null;
  }
  if (typeof claims.gid !== "string" || typeof claims.jti !== "string" || typeof claims.client_id !== "string") {
    return null;
  }
  return claims;
}

/**
 * Signature, header and time checks, remembered per token until it expires: a signature
 * cannot become invalid, and what can change (revocations, a retired key, a disabled
 * principal) is read from the database on every call. Ed25519 verification is the dominant
 * cost of introspection, and resource servers introspect one token many times.
 */
async function verifySignature(
  ctx: ServiceContext,
  signingKeys: SigningKeyService,
  cache: VerifiedCache,
  token: string,
): Promise<VerifiedToken | null> {
  const nowS = Math.floor(ctx.clock.now() / 1000);
  const cached = cache.get(token);
  if (cached) {
    if (cached.claims.exp > nowS) return cached;
    cache.delete(token);
    return null;
  }
  const kid = headerKid(token);
  if (kid === null) return null;
  const key = await signingKeys.verificationKey(kid);
  if (!key) return null;
  const claims = await verifiedClaims(ctx, token, key);
  if (!claims) return null;
  const result = { claims, kid };
  if (cache.size >= VERIFIED_CACHE_SIZE) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  cache.set(token, result);
  return result;
}

/** Whether the revocation state read for a token lets it through. */
function revocationStateAllows(row: RevocationStateRow | undefined, claims: AccessTokenClaims): boolean {
  if (!row) return false;
  if (row.jti_revoked !== null) return false;
  if (row.family_revoked_at === null || Number(row.family_revoked_at) !== 0) return false;
  if (row.cutoff !== null && claims.iat < Number(row.cutoff)) return false;
  if (row.principal_status !== "active") return false;
  if (row.key_retired_at === null || Number(row.key_retired_at) !== 0) return false;
  return true;
}

export function createAccessTokens(ctx: ServiceContext, signingKeys: SigningKeyService) {
  const verifiedCache: VerifiedCache = new Map();
  // Every revocation check in one round trip, compiled once: it runs on every introspection.
  const revocationStateSql = sql`select
      (select 1 from oauth_revoked_access_tokens where jti = ${""}) as jti_revoked,
      (select coalesce(revoked_at, 0) from oauth_grant_families where id = ${""}) as family_revoked_at,
      (select cutoff_s from oauth_principal_cutoffs where principal_id = ${""}) as cutoff,
      (select status from principals where id = ${""}) as principal_status,
      (select coalesce(retired_at, 0) from oauth_signing_keys where kid = ${""}) as key_retired_at`.compile(ctx.db).sql;
  // Every revocation check in one round trip, remembered until a change is heard
  // (db/change-gate.ts): every revocation, cutoff, disabling and key retirement is a change.
  const revocationState = createCachedRead(ctx.changeGate, async (token: VerifiedToken) => {
    const { claims, kid } = token;
    const state = await ctx.db.executeQuery<RevocationStateRow>(
      CompiledQuery.raw(revocationStateSql, [claims.jti, claims.gid, claims.sub, claims.sub, kid]),
    );
    return state.rows[0];
  });

  /**
   * The claims of a token this authority signed, still unexpired and not revoked; null for
   * anything else (never throws on hostile input).
   */
  async function verify(token: unknown): Promise<AccessTokenClaims | null> {
    if (!looksLikeJwt(token)) return null;
    const verified = await verifySignature(ctx, signingKeys, verifiedCache, token);
    if (!verified) return null;
    return revocationStateAllows(await revocationState.get(verified), verified.claims) ? verified.claims : null;
  }

  return {
    mint: (input: MintInput, signer: Signer) => mintAccessToken(ctx.config.issuer, input, signer),
    verify,
    looksLikeJwt,
    signer: signingKeys.signer,
  };
}

export type AccessTokens = ReturnType<typeof createAccessTokens>;
