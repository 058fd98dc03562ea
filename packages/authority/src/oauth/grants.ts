/**
 * The token endpoint's grants. Every grant opens a grant family (its id is the access token's
 * `gid`); refresh tokens belong to the family and are rotated on every use. A spent refresh
 * token presented again revokes the whole family (RFC 9700 4.14.2) and is audited as
 * suspected theft. Each grant, refresh and reuse is one unit of work with its audit record and
 * change-log entry; no secret is written anywhere but as a hash.
 */
import { randomBytes } from "node:crypto";
import { DEFAULT_PREFIXES, generateToken, hashToken, parseToken, randomBase62 } from "@tessera/verifier";
import type { ServiceContext } from "../context.js";
import { runUnitOfWork } from "../db/transaction.js";
import { isAdminScope, SCOPE_PATTERN } from "../domain/scopes.js";
import type { AccessTokenClaims, AccessTokens } from "./access-tokens.js";
import { CLIENT_SECRET_SCOPE, type OAuthClient } from "./clients.js";
import { invalidRequest, OAuthError } from "./errors.js";
import { createGroupCommit } from "./group-commit.js";
import { revokeFamily } from "./revocation.js";

export interface TokenResponse {
  access_token: string;
  token_type: "Bearer" | "DPoP";
  expires_in: number;
  scope: string;
  refresh_token?: string;
}

export interface GrantRequestContext {
  requestId: string;
  /** Thumbprint of the request's DPoP proof key, if a valid proof was sent. */
  jkt: string | null;
}

const rng = (n: number) => new Uint8Array(randomBytes(n));
const FAMILY_PRUNE_INTERVAL_MS = 60_000;
/** Grant families are kept this long after they end, for the audit trail's sake of joins. */
const FAMILY_RETENTION_MS = 24 * 3_600_000;

/** Parses an OAuth `scope` parameter (space-delimited, RFC 6749 3.3). */
export function parseScopeParam(value: unknown): string[] | null {
  if (value === undefined) return null;
  if (typeof value !== "string" || value.length > 4096) throw invalidRequest("scope must be a space-delimited string");
  const scopes = value.split(" ").filter((s) => s.length > 0);
  for (const scope of scopes) {
    if (!SCOPE_PATTERN.test(scope)) throw new OAuthError("invalid_scope", "scope holds a malformed scope value");
  }
  return [...new Set(scopes)].sort();
}

/** Scopes a client's access tokens may carry: its allowance, without admin scopes and the client-secret scope. */
export function grantableScopes(client: OAuthClient): string[] {
  return client.allowedScopes.filter((s) => !isAdminScope(s) && s !== CLIENT_SECRET_SCOPE).sort();
}

export function createGrants(ctx: ServiceContext, accessTokens: AccessTokens) {
  const { db, clock, config } = ctx;
  let lastPrune = 0;
  const groupCommit = createGroupCommit(db, clock);

  function ttlSeconds(client: OAuthClient): number {
    const wanted = client.settings.accessTokenTtlSeconds ?? Math.floor(config.accessTokenTtlMs / 1000);
    return Math.max(1, Math.min(wanted, Math.floor(config.accessTokenMaxTtlMs / 1000)));
  }

  function audienceFor(client: OAuthClient, resource: unknown): string {
    if (resource === undefined) return client.settings.audience ?? config.issuer;
    // RFC 8707: an absolute URI without a fragment.
    if (typeof resource !== "string" || resource.length > 2048)
      throw new OAuthError("invalid_target", "resource must be an absolute URI");
    let parsed: URL;
    try {
      parsed = new URL(resource);
    } catch {
      throw new OAuthError("invalid_target", "resource must be an absolute URI");
    }
    if (parsed.hash !== "" || resource.includes("#"))
      throw new OAuthError("invalid_target", "resource must not have a fragment");
    return resource;
  }

  function dpopBinding(client: OAuthClient, jkt: string | null): string | null {
    if (client.settings.requireDpop && jkt === null) {
      throw new OAuthError("invalid_request", "this client must bind its tokens with a DPoP proof");
    }
    return jkt;
  }

  function response(token: string, claims: AccessTokenClaims, refreshToken: string | null): TokenResponse {
    return {
      access_token: token,
      token_type: claims.cnf ? "DPoP" : "Bearer",
      expires_in: claims.exp - claims.iat,
      scope: claims.scope,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
    };
  }

  async function pruneFamilies(now: number): Promise<void> {
    if (now - lastPrune < FAMILY_PRUNE_INTERVAL_MS) return;
    lastPrune = now;
    const cutoff = now - FAMILY_RETENTION_MS;
    await db.transaction().execute(async (trx) => {
      const ended = trx.selectFrom("oauth_grant_families").select("id").where("expires_at", "<", cutoff);
      await trx.deleteFrom("oauth_refresh_tokens").where("family_id", "in", ended).execute();
      await trx.deleteFrom("oauth_grant_families").where("expires_at", "<", cutoff).execute();
      await trx
        .deleteFrom("oauth_revoked_access_tokens")
        .where("exp", "<", Math.floor(now / 1000))
        .execute();
      await trx.deleteFrom("oauth_principal_cutoffs").where("expires_at", "<", now).execute();
    });
  }

  /** RFC 6749 4.4 client credentials; with `refreshTokens` set, also the client's first refresh token. */
  async function clientCredentials(
    client: OAuthClient,
    params: Record<string, unknown>,
    request: GrantRequestContext,
  ): Promise<TokenResponse> {
    const grantable = grantableScopes(client);
    const requested = parseScopeParam(params.scope);
    if (requested) {
      const outside = requested.filter((s) => !grantable.includes(s));
      if (outside.length > 0) {
        throw new OAuthError(
          "invalid_scope",
          `scope outside the client's allowance: ${outside.join(" ").slice(0, 200)}`,
        );
      }
    }
    const scopes = requested && requested.length > 0 ? requested : grantable;
    if (scopes.length === 0)
      throw new OAuthError("invalid_scope", "the client is allowed no scope it could be granted");
    const audience = audienceFor(client, params.resource);
    const jkt = dpopBinding(client, request.jkt);
    const ttl = ttlSeconds(client);
    const withRefresh = client.settings.refreshTokens;
    const familyId = `gid_${randomBase62(22, rng)}`;
    // Signed before the transaction, so that signing never holds the write lock; the token is
    // only handed out once the grant is committed.
    const { token, claims } = await accessTokens.mint(
      { clientId: client.id, familyId, scope: scopes.join(" "), audience, jkt, ttlSeconds: ttl, now: clock.now() },
      await accessTokens.signer(),
    );
    // Grants are independent of each other: concurrent ones share a commit.
    const result = await groupCommit(async (unit) => {
      const familyEnd = Math.max(
        withRefresh ? unit.now + config.refreshTokenMaxTtlMs : claims.exp * 1000,
        claims.exp * 1000,
      );
      await unit.trx
        .insertInto("oauth_grant_families")
        .values({
          id: familyId,
          client_id: client.id,
          grant_type: "client_credentials",
          scope: claims.scope,
          audience,
          jkt,
          created_at: unit.now,
          expires_at: familyEnd,
          max_access_exp: claims.exp,
          revoked_at: null,
          revoked_reason: null,
        })
        .execute();
      let refreshToken: string | null = null;
      if (withRefresh) {
        refreshToken = generateToken(DEFAULT_PREFIXES.refreshToken, rng);
        await unit.trx
          .insertInto("oauth_refresh_tokens")
          .values({
            token_hash: hashToken(refreshToken),
            family_id: familyId,
            created_at: unit.now,
            expires_at: Math.min(unit.now + config.refreshTokenIdleTtlMs, familyEnd),
            used_at: null,
          })
          .execute();
      }
      const data = {
        familyId,
        clientId: client.id,
        grantType: "client_credentials",
        jti: claims.jti,
        exp: claims.exp,
        scope: claims.scope,
        aud: audience,
        dpopJkt: jkt,
        refreshToken: withRefresh,
      };
      await unit.appendChange({ type: "grant.issued", data });
      await unit.appendAudit({
        actor: client.id,
        action: "oauth.grant.issued",
        targetType: "grant_family",
        targetId: familyId,
        requestId: request.requestId,
        data: { ...data, clientKeyId: client.keyId },
      });
      return response(token, claims, refreshToken);
    });
    await pruneFamilies(clock.now());
    return result;
  }

  /** RFC 6749 6: a refresh token for a new access token and a new refresh token. */
  async function refresh(
    client: OAuthClient,
    params: Record<string, unknown>,
    request: GrantRequestContext,
  ): Promise<TokenResponse> {
    const presented = params.refresh_token;
    if (typeof presented !== "string" || presented.length === 0) throw invalidRequest("refresh_token is required");
    const requested = parseScopeParam(params.scope);
    if (!parseToken(presented, new Set([DEFAULT_PREFIXES.refreshToken]))) {
      throw new OAuthError("invalid_grant", "the refresh token is not valid");
    }
    if (params.resource !== undefined) audienceFor(client, params.resource);
    const tokenHash = hashToken(presented);
    const signer = await accessTokens.signer();
    // A reuse must revoke the family even though the request fails: the unit of work commits
    // the revocation and hands the error back to be thrown after the commit.
    const outcome = await runUnitOfWork(db, clock, async (unit): Promise<TokenResponse | OAuthError> => {
      const row = await unit.trx
        .selectFrom("oauth_refresh_tokens")
        .innerJoin("oauth_grant_families", "oauth_grant_families.id", "oauth_refresh_tokens.family_id")
        .select([
          "oauth_refresh_tokens.family_id",
          "oauth_refresh_tokens.expires_at",
          "oauth_refresh_tokens.used_at",
          "oauth_grant_families.client_id",
          "oauth_grant_families.scope",
          "oauth_grant_families.audience",
          "oauth_grant_families.jkt",
          "oauth_grant_families.expires_at as family_expires_at",
          "oauth_grant_families.revoked_at",
          "oauth_grant_families.max_access_exp",
        ])
        .where("oauth_refresh_tokens.token_hash", "=", tokenHash)
        .executeTakeFirst();
      const invalid = new OAuthError("invalid_grant", "the refresh token is not valid");
      if (!row) return invalid;
      if (row.client_id !== client.id) {
        await unit.appendAudit({
          actor: client.id,
          action: "oauth.refresh.refused",
          targetType: "grant_family",
          targetId: row.family_id,
          reason: "refresh token of another client",
          requestId: request.requestId,
          data: { clientId: client.id, ownerClientId: row.client_id },
        });
        return invalid;
      }
      if (row.revoked_at !== null) return invalid;
      // A spent token presented again: suspected theft. The whole family goes.
      const reused = async (spentAt: number | null) => {
        await revokeFamily(unit, row.family_id, {
          actor: "system:oauth",
          reason: "refresh token reuse: suspected theft",
          requestId: request.requestId,
        });
        await unit.appendChange({
          type: "refresh_token.reused",
          data: { familyId: row.family_id, clientId: client.id },
        });
        await unit.appendAudit({
          actor: client.id,
          action: "oauth.refresh_token.reused",
          targetType: "grant_family",
          targetId: row.family_id,
          reason: "a spent refresh token was presented again: suspected theft, family revoked",
          requestId: request.requestId,
          data: { clientId: client.id, spentAt },
        });
        return invalid;
      };
      if (row.used_at !== null) return reused(row.used_at);
      if (row.expires_at <= unit.now || row.family_expires_at <= unit.now) return invalid;
      if (row.jkt !== null && request.jkt !== row.jkt) {
        return new OAuthError(
          "invalid_dpop_proof",
          "this refresh token is bound to a DPoP key: prove possession of it",
        );
      }
      const familyScopes = row.scope.split(" ").filter(Boolean);
      // The client's allowance may have narrowed since the grant: never more than it holds now.
      const allowed = new Set(grantableScopes(client));
      if (requested?.some((s) => !familyScopes.includes(s))) {
        return new OAuthError("invalid_scope", "a refresh may narrow the scope, never widen it");
      }
      const scopes = (requested && requested.length > 0 ? requested : familyScopes).filter((s) => allowed.has(s));
      if (scopes.length === 0)
        return new OAuthError("invalid_scope", "no requested scope is still allowed to the client");

      // Spend it; a concurrent refresh with the same token finds it spent (reuse).
      const spent = await unit.trx
        .updateTable("oauth_refresh_tokens")
        .set({ used_at: unit.now })
        .where("token_hash", "=", tokenHash)
        .where("used_at", "is", null)
        .executeTakeFirst();
      // Another request spent it since we read it (PostgreSQL re-checks the condition after
      // waiting for that request's row lock): the same token used twice is reuse.
      if (Number(spent.numUpdatedRows) !== 1) return reused(null);
      const { token, claims } = await accessTokens.mint(
        {
          clientId: client.id,
          familyId: row.family_id,
          scope: scopes.join(" "),
          audience: row.audience ?? config.issuer,
          jkt: row.jkt,
          ttlSeconds: ttlSeconds(client),
          now: unit.now,
        },
        signer,
      );
      const next = generateToken(DEFAULT_PREFIXES.refreshToken, rng);
      await unit.trx
        .insertInto("oauth_refresh_tokens")
        .values({
          token_hash: hashToken(next),
          family_id: row.family_id,
          created_at: unit.now,
          expires_at: Math.min(unit.now + config.refreshTokenIdleTtlMs, row.family_expires_at),
          used_at: null,
        })
        .execute();
      await unit.trx
        .updateTable("oauth_grant_families")
        .set({ max_access_exp: Math.max(row.max_access_exp, claims.exp) })
        .where("id", "=", row.family_id)
        .execute();
      const data = {
        familyId: row.family_id,
        clientId: client.id,
        jti: claims.jti,
        exp: claims.exp,
        scope: claims.scope,
      };
      await unit.appendChange({ type: "grant.refreshed", data });
      await unit.appendAudit({
        actor: client.id,
        action: "oauth.grant.refreshed",
        targetType: "grant_family",
        targetId: row.family_id,
        requestId: request.requestId,
        data: { ...data, clientKeyId: client.keyId },
      });
      return response(token, claims, next);
    });
    if (outcome instanceof OAuthError) throw outcome;
    return outcome;
  }

  return { clientCredentials, refresh };
}

export type Grants = ReturnType<typeof createGrants>;
