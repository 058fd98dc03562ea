/**
 * RFC 7662 answers for OAuth tokens: a JWT access token is active when its signature, expiry and
 * revocation state say so; a refresh token when it is unspent, unexpired, its family unrevoked
 * and its client active. Anything else is null, never a reason.
 */
import { DEFAULT_PREFIXES, hashToken, parseToken } from "@tessera/verifier";
import type { ServiceContext } from "../context.js";
import type { AccessTokens } from "./access-tokens.js";

/** RFC 7662 answer for an active OAuth token. */
export interface OAuthIntrospection {
  active: true;
  scope: string;
  client_id: string;
  sub: string;
  aud?: string;
  exp: number;
  iat: number;
  iss: string;
  token_type: "Bearer" | "DPoP" | "refresh_token";
  jti?: string;
  gid: string;
  cnf?: { jkt: string };
}

const refreshPrefixes = new Set([DEFAULT_PREFIXES.refreshToken]);

export function isRefreshToken(token: unknown): token is string {
  return parseToken(token, refreshPrefixes) !== null;
}

/** Introspects a JWT access token or a refresh token; null when it is neither or not active. */
export async function introspectOAuthToken(
  ctx: ServiceContext,
  accessTokens: AccessTokens,
  token: unknown,
): Promise<OAuthIntrospection | null> {
  if (accessTokens.looksLikeJwt(token)) return introspectAccessToken(accessTokens, token);
  if (isRefreshToken(token)) return introspectRefreshToken(ctx, token);
  return null;
}

async function introspectAccessToken(accessTokens: AccessTokens, token: string): Promise<OAuthIntrospection | null> {
  const claims = await accessTokens.verify(token);
  if (!claims) return null;
  return {
    active: true,
    scope: claims.scope,
    client_id: claims.client_id,
    sub: claims.sub,
    aud: claims.aud,
    exp: claims.exp,
    iat: claims.iat,
    iss: claims.iss,
    token_type: claims.cnf ? "DPoP" : "Bearer",
    jti: claims.jti,
    gid: claims.gid,
    ...(claims.cnf ? { cnf: claims.cnf } : {}),
  };
}

async function introspectRefreshToken(ctx: ServiceContext, token: string): Promise<OAuthIntrospection | null> {
  const { db, clock, config } = ctx;
  const row = await db
    .selectFrom("oauth_refresh_tokens")
    .innerJoin("oauth_grant_families", "oauth_grant_families.id", "oauth_refresh_tokens.family_id")
    .innerJoin("principals", "principals.id", "oauth_grant_families.client_id")
    .select([
      "oauth_refresh_tokens.created_at",
      "oauth_refresh_tokens.expires_at",
      "oauth_refresh_tokens.used_at",
      "oauth_grant_families.id as family_id",
      "oauth_grant_families.client_id",
      "oauth_grant_families.scope",
      "oauth_grant_families.audience",
      "oauth_grant_families.jkt",
      "oauth_grant_families.expires_at as family_expires_at",
      "oauth_grant_families.revoked_at",
      "principals.status",
    ])
    .where("oauth_refresh_tokens.token_hash", "=", hashToken(token))
    .executeTakeFirst();
  const now = clock.now();
  if (
    !row ||
    row.used_at !== null ||
    row.revoked_at !== null ||
    row.status !== "active" ||
    row.expires_at <= now ||
    row.family_expires_at <= now
  ) {
    return null;
  }
  return {
    active: true,
    scope: row.scope,
    client_id: row.client_id,
    sub: row.client_id,
    ...(row.audience ? { aud: row.audience } : {}),
    exp: Math.floor(Math.min(row.expires_at, row.family_expires_at) / 1000),
    iat: Math.floor(row.created_at / 1000),
    iss: config.issuer,
    token_type: "refresh_token",
    gid: row.family_id,
    ...(row.jkt ? { cnf: { jkt: row.jkt } } : {}),
  };
}
