/**
 * The OAuth 2.0 side of the authority, wired once: signing keys, access tokens, grants, client
 * authentication, DPoP, and the introspection and revocation of OAuth tokens.
 */
import { DEFAULT_PREFIXES, displayStart, hashToken, parseToken } from "@tessera/verifier";
import type { FastifyRequest } from "fastify";
import type { ServiceContext } from "../context.js";
import { runUnitOfWork } from "../db/transaction.js";
import type { UsageRecorder } from "../keys/index.js";
import { createAccessTokens } from "./access-tokens.js";
import { createClientAuthenticator } from "./clients.js";
import { createDpopChecker } from "./dpop.js";
import { OAuthError } from "./errors.js";
import { createGrants } from "./grants.js";
import { revokeAccessToken, revokeFamily } from "./revocation.js";
import { createSigningKeyService } from "./signing-keys.js";

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

export function createOAuthService(ctx: ServiceContext, usage: UsageRecorder) {
  const { db, clock, config } = ctx;
  const signingKeys = createSigningKeyService(ctx);
  const accessTokens = createAccessTokens(ctx, signingKeys);
  const grants = createGrants(ctx, accessTokens);
  const dpop = createDpopChecker(ctx);
  const authenticateClient = createClientAuthenticator(ctx, usage);

  function isRefreshToken(token: unknown): token is string {
    return parseToken(token, refreshPrefixes) !== null;
  }

  async function introspectAccessToken(token: string): Promise<OAuthIntrospection | null> {
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

  async function introspectRefreshToken(token: string): Promise<OAuthIntrospection | null> {
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

  /** Introspects a JWT access token or a refresh token; null when it is neither or not active. */
  async function introspect(token: unknown): Promise<OAuthIntrospection | null> {
    if (accessTokens.looksLikeJwt(token)) return introspectAccessToken(token);
    if (isRefreshToken(token)) return introspectRefreshToken(token);
    return null;
  }

  /**
   * RFC 7009 revocation by a client of its own token. Unknown, expired, already revoked and
   * other clients' tokens are all answered the same way (nothing happens), so the endpoint
   * tells a client nothing about tokens that are not its own.
   */
  async function revoke(
    clientId: string,
    token: unknown,
    requestId: string,
  ): Promise<{ revoked: "access_token" | "grant_family" | null; sequence: number | null }> {
    const cause = { actor: clientId, reason: "revoked by the client (RFC 7009)", requestId };
    if (accessTokens.looksLikeJwt(token)) {
      const claims = await accessTokens.verify(token);
      if (!claims || claims.client_id !== clientId) return { revoked: null, sequence: null };
      const sequence = await runUnitOfWork(db, clock, (unit) =>
        revokeAccessToken(
          unit,
          { jti: claims.jti, exp: claims.exp, principalId: claims.sub, familyId: claims.gid },
          cause,
        ),
      );
      return { revoked: sequence === null ? null : "access_token", sequence };
    }
    if (isRefreshToken(token)) {
      const row = await db
        .selectFrom("oauth_refresh_tokens")
        .innerJoin("oauth_grant_families", "oauth_grant_families.id", "oauth_refresh_tokens.family_id")
        .select(["oauth_grant_families.id", "oauth_grant_families.client_id"])
        .where("oauth_refresh_tokens.token_hash", "=", hashToken(token))
        .executeTakeFirst();
      if (!row || row.client_id !== clientId) return { revoked: null, sequence: null };
      const sequence = await runUnitOfWork(db, clock, (unit) => revokeFamily(unit, row.id, cause));
      return { revoked: sequence === null ? null : "grant_family", sequence };
    }
    if (parseToken(token, new Set(config.acceptedKeyPrefixes))) {
      throw new OAuthError(
        "unsupported_token_type",
        "API keys are revoked through the admin API (POST /v1/keys/{id}/revoke), not here",
      );
    }
    return { revoked: null, sequence: null };
  }

  /**
   * Audits a failed client authentication: the client id as presented (clipped), the method,
   * the address and the display start of a well-formed secret. Never the secret.
   */
  async function recordClientAuthFailure(
    request: FastifyRequest,
    params: Record<string, unknown>,
    route: string,
  ): Promise<void> {
    const basic = typeof request.headers.authorization === "string" && /^Basic /i.test(request.headers.authorization);
    const secret = params.client_secret;
    const start =
      typeof secret === "string" && parseToken(secret, new Set(config.acceptedKeyPrefixes))
        ? displayStart(secret)
        : null;
    try {
      await runUnitOfWork(db, clock, (unit) =>
        unit.appendAudit({
          actor: "anonymous",
          action: "oauth.client_auth.failed",
          targetType: "route",
          targetId: route,
          requestId: request.id,
          data: {
            clientId: typeof params.client_id === "string" ? params.client_id.slice(0, 128) : null,
            method: basic ? "client_secret_basic" : "client_secret_post",
            ip: request.ip,
            start,
          },
        }),
      );
    } catch (err) {
      // The refusal stands even if it could not be audited; the log says so.
      request.log.error({ err }, "could not audit a failed client authentication");
    }
  }

  return { signingKeys, accessTokens, grants, dpop, authenticateClient, recordClientAuthFailure, introspect, revoke };
}

export type OAuthService = ReturnType<typeof createOAuthService>;
