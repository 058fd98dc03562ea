/**
 * RFC 6749 4.4, the client credentials grant: opens a grant family, signs its first access token
 * and, for clients with refresh tokens, issues the family's first refresh token, in one commit
 * shared with concurrent grants.
 */
import { DEFAULT_PREFIXES, generateToken, hashToken, randomBase62 } from "@tessera/verifier";
import type { TesseraConfig } from "../config.js";
import type { UnitOfWork } from "../db/transaction.js";
import { idRandomBytes } from "../ids.js";
import type { AccessTokenClaims } from "./access-tokens.js";
import type { OAuthClient } from "./clients.js";
import { OAuthError } from "./errors.js";
import {
  audienceFor,
  dpopBinding,
  type GrantDeps,
  type GrantRequestContext,
  grantableScopes,
  parseScopeParam,
  rng,
  type TokenResponse,
  tokenResponse,
  ttlSeconds,
} from "./grant-policy.js";

/** RFC 6749 4.4 client credentials; with `refreshTokens` set, also the client's first refresh token. */
export async function clientCredentials(
  deps: GrantDeps,
  client: OAuthClient,
  params: Record<string, unknown>,
  request: GrantRequestContext,
): Promise<TokenResponse> {
  const { ctx, accessTokens, groupCommit } = deps;
  const { clock, config } = ctx;
  const scopes = requestedScopes(client, params.scope);
  const audience = audienceFor(config, client, params.resource);
  const jkt = dpopBinding(client, request.jkt);
  const ttl = ttlSeconds(config, client);
  const withRefresh = client.settings.refreshTokens;
  const familyId = `gid_${randomBase62(22, idRandomBytes)}`;
  // Signed before the transaction, so that signing never holds the write lock; the token is
  // only handed out once the grant is committed.
  const { token, claims } = await accessTokens.mint(
    { clientId: client.id, familyId, scope: scopes.join(" "), audience, jkt, ttlSeconds: ttl, now: clock.now() },
    await accessTokens.signer(),
  );
  // Grants are independent of each other: concurrent ones share a commit.
  const grant = { client, familyId, audience, jkt, withRefresh, token, claims, requestId: request.requestId };
  const result = await groupCommit((unit) => storeGrant(unit, config, grant));
  await deps.pruneFamilies(clock.now());
  return result;
}

/** The scopes asked for, all within the client's allowance; none asked for means all it may have. */
function requestedScopes(client: OAuthClient, scopeParam: unknown): string[] {
  const grantable = grantableScopes(client);
  const requested = parseScopeParam(scopeParam);
  if (requested) {
    const outside = requested.filter((s) => !grantable.includes(s));
    if (outside.length > 0) {
      throw new OAuthError("invalid_scope", `scope outside the client's allowance: ${outside.join(" ").slice(0, 200)}`);
    }
  }
  const scopes = requested && requested.length > 0 ? requested : grantable;
  if (scopes.length === 0) throw new OAuthError("invalid_scope", "the client is allowed no scope it could be granted");
  return scopes;
}

interface NewGrant {
  client: OAuthClient;
  familyId: string;
  audience: string;
  jkt: string | null;
  withRefresh: boolean;
  token: string;
  claims: AccessTokenClaims;
  requestId: string;
}

/** Records the grant family, its first refresh token if any, the change and the audit record. */
async function storeGrant(unit: UnitOfWork, config: TesseraConfig, grant: NewGrant): Promise<TokenResponse> {
  const { client, familyId, audience, jkt, withRefresh, token, claims, requestId } = grant;
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
    requestId,
    data: { ...data, clientKeyId: client.keyId },
  });
  return tokenResponse(token, claims, refreshToken);
}
