/**
 * RFC 6749 6, the refresh grant: a refresh token for a new access token and a new refresh token.
 * Refresh tokens rotate on every use; a spent one presented again revokes its whole family
 * (RFC 9700 4.14.2) and is audited as suspected theft. Steps: check the presented token, then in
 * one unit of work find it, refuse what must be refused, spend it, and issue the next pair.
 */
import { DEFAULT_PREFIXES, generateToken, hashToken, parseToken } from "@tessera/verifier";
import type { TesseraConfig } from "../config.js";
import { runUnitOfWork, type UnitOfWork } from "../db/transaction.js";
import type { AccessTokens } from "./access-tokens.js";
import type { OAuthClient } from "./clients.js";
import { invalidRequest, OAuthError } from "./errors.js";
import {
  audienceFor,
  type GrantDeps,
  type GrantRequestContext,
  grantableScopes,
  parseScopeParam,
  rng,
  type TokenResponse,
  tokenResponse,
  ttlSeconds,
} from "./grant-policy.js";
import { revokeFamily } from "./revocation.js";

type Signer = Awaited<ReturnType<AccessTokens["signer"]>>;
type RefreshRow = NonNullable<Awaited<ReturnType<typeof findRefreshToken>>>;

interface RefreshAttempt {
  client: OAuthClient;
  tokenHash: string;
  requested: string[] | null;
  request: GrantRequestContext;
}

const invalidGrant = () => new OAuthError("invalid_grant", "the refresh token is not valid");

/** RFC 6749 6: a refresh token for a new access token and a new refresh token. */
export async function refresh(
  deps: GrantDeps,
  client: OAuthClient,
  params: Record<string, unknown>,
  request: GrantRequestContext,
): Promise<TokenResponse> {
  const { db, clock, config, commitListener } = deps.ctx;
  const presented = params.refresh_token;
  if (typeof presented !== "string" || presented.length === 0) throw invalidRequest("refresh_token is required");
  const requested = parseScopeParam(params.scope);
  if (!parseToken(presented, new Set([DEFAULT_PREFIXES.refreshToken]))) throw invalidGrant();
  if (params.resource !== undefined) audienceFor(config, client, params.resource);
  const attempt: RefreshAttempt = { client, tokenHash: hashToken(presented), requested, request };
  const signer = await deps.accessTokens.signer();
  // A reuse must revoke the family even though the request fails: the unit of work commits
  // the revocation and hands the error back to be thrown after the commit.
  const outcome = await runUnitOfWork({ db, clock, commitListener }, (unit) =>
    refreshInUnit(unit, config, deps.accessTokens, signer, attempt),
  );
  if (outcome instanceof OAuthError) throw outcome;
  return outcome;
}

async function refreshInUnit(
  unit: UnitOfWork,
  config: TesseraConfig,
  accessTokens: AccessTokens,
  signer: Signer,
  attempt: RefreshAttempt,
): Promise<TokenResponse | OAuthError> {
  const { client, request } = attempt;
  const row = await findRefreshToken(unit, attempt.tokenHash);
  if (!row) return invalidGrant();
  if (row.client_id !== client.id) return refuseForeignClient(unit, row, attempt);
  if (row.revoked_at !== null) return invalidGrant();
  if (row.used_at !== null) return revokeForReuse(unit, row, attempt, row.used_at);
  if (row.expires_at <= unit.now || row.family_expires_at <= unit.now) return invalidGrant();
  if (row.jkt !== null && request.jkt !== row.jkt) {
    return new OAuthError("invalid_dpop_proof", "this refresh token is bound to a DPoP key: prove possession of it");
  }
  const scopes = refreshedScopes(client, row.scope, attempt.requested);
  if (scopes instanceof OAuthError) return scopes;
  // Another request spent it since we read it (PostgreSQL re-checks the condition after
  // waiting for that request's row lock): the same token used twice is reuse.
  if (!(await spendRefreshToken(unit, attempt.tokenHash))) return revokeForReuse(unit, row, attempt, null);
  const { token, claims } = await accessTokens.mint(
    {
      clientId: client.id,
      familyId: row.family_id,
      scope: scopes.join(" "),
      audience: row.audience ?? config.issuer,
      jkt: row.jkt,
      ttlSeconds: ttlSeconds(config, client),
      now: unit.now,
    },
    signer,
  );
  const next = await storeNextRefreshToken(unit, config, row, claims.exp);
  const data = { familyId: row.family_id, clientId: client.id, jti: claims.jti, exp: claims.exp, scope: claims.scope };
  await unit.appendChange({ type: "grant.refreshed", data });
  await unit.appendAudit({
    actor: client.id,
    action: "oauth.grant.refreshed",
    targetType: "grant_family",
    targetId: row.family_id,
    requestId: request.requestId,
    data: { ...data, clientKeyId: client.keyId },
  });
  return tokenResponse(token, claims, next);
}

function findRefreshToken(unit: UnitOfWork, tokenHash: string) {
  return unit.trx
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
}

/** Another client's refresh token: refused like an unknown one, but audited. */
async function refuseForeignClient(unit: UnitOfWork, row: RefreshRow, attempt: RefreshAttempt): Promise<OAuthError> {
  await unit.appendAudit({
    actor: attempt.client.id,
    action: "oauth.refresh.refused",
    targetType: "grant_family",
    targetId: row.family_id,
    reason: "refresh token of another client",
    requestId: attempt.request.requestId,
    data: { clientId: attempt.client.id, ownerClientId: row.client_id },
  });
  return invalidGrant();
}

/** A spent token presented again: suspected theft. The whole family goes. */
async function revokeForReuse(
  unit: UnitOfWork,
  row: RefreshRow,
  attempt: RefreshAttempt,
  spentAt: number | null,
): Promise<OAuthError> {
  const { client, request } = attempt;
  await revokeFamily(unit, row.family_id, {
    actor: "system:oauth",
    reason: "refresh token reuse: suspected theft",
    requestId: request.requestId,
  });
  await unit.appendChange({ type: "refresh_token.reused", data: { familyId: row.family_id, clientId: client.id } });
  await unit.appendAudit({
    actor: client.id,
    action: "oauth.refresh_token.reused",
    targetType: "grant_family",
    targetId: row.family_id,
    reason: "a spent refresh token was presented again: suspected theft, family revoked",
    requestId: request.requestId,
    data: { clientId: client.id, spentAt },
  });
  return invalidGrant();
}

/** A refresh may narrow the family's scope, never widen it, nor exceed the client's allowance today. */
function refreshedScopes(client: OAuthClient, familyScope: string, requested: string[] | null): string[] | OAuthError {
  const familyScopes = familyScope.split(" ").filter(Boolean);
  // The client's allowance may have narrowed since the grant: never more than it holds now.
  const allowed = new Set(grantableScopes(client));
  if (requested?.some((s) => !familyScopes.includes(s))) {
    return new OAuthError("invalid_scope", "a refresh may narrow the scope, never widen it");
  }
  const scopes = (requested && requested.length > 0 ? requested : familyScopes).filter((s) => allowed.has(s));
  if (scopes.length === 0) return new OAuthError("invalid_scope", "no requested scope is still allowed to the client");
  return scopes;
}

/** Spends the token; false when a concurrent refresh with the same token spent it first. */
async function spendRefreshToken(unit: UnitOfWork, tokenHash: string): Promise<boolean> {
  const spent = await unit.trx
    .updateTable("oauth_refresh_tokens")
    .set({ used_at: unit.now })
    .where("token_hash", "=", tokenHash)
    .where("used_at", "is", null)
    .executeTakeFirst();
  return Number(spent.numUpdatedRows) === 1;
}

/** The family's next refresh token, and the family's latest access token expiry. */
async function storeNextRefreshToken(
  unit: UnitOfWork,
  config: TesseraConfig,
  row: RefreshRow,
  accessExp: number,
): Promise<string> {
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
    .set({ max_access_exp: Math.max(row.max_access_exp, accessExp) })
    .where("id", "=", row.family_id)
    .execute();
  return next;
}
