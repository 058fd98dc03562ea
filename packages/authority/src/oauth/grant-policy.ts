/**
 * What every grant decides the same way: the scopes a client may be granted, the access token's
 * lifetime, audience and DPoP binding, and the RFC 6749 5.1 response. Pure functions of the
 * client, the request and the configuration, so each grant reads as its own steps.
 */
import { randomBytes } from "node:crypto";
import type { TesseraConfig as Config } from "../config.js";
import type { ServiceContext } from "../context.js";
import type { createGroupCommit } from "../db/group-commit.js";
import { isAdminScope, SCOPE_PATTERN } from "../domain/scopes.js";
import type { AccessTokenClaims, AccessTokens } from "./access-tokens.js";
import { CLIENT_SECRET_SCOPE, type OAuthClient } from "./clients.js";
import { invalidRequest, OAuthError } from "./errors.js";

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

/** What a grant needs, wired once by createGrants. */
export interface GrantDeps {
  ctx: ServiceContext;
  accessTokens: AccessTokens;
  groupCommit: ReturnType<typeof createGroupCommit>;
  /** Drops ended grant families now and then; called after a grant commits. */
  pruneFamilies: (now: number) => Promise<void>;
}

export const rng = (n: number) => new Uint8Array(randomBytes(n));

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

export function ttlSeconds(config: Config, client: OAuthClient): number {
  const wanted = client.settings.accessTokenTtlSeconds ?? Math.floor(config.accessTokenTtlMs / 1000);
  return Math.max(1, Math.min(wanted, Math.floor(config.accessTokenMaxTtlMs / 1000)));
}

export function audienceFor(config: Config, client: OAuthClient, resource: unknown): string {
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

export function dpopBinding(client: OAuthClient, jkt: string | null): string | null {
  if (client.settings.requireDpop && jkt === null) {
    throw new OAuthError("invalid_request", "this client must bind its tokens with a DPoP proof");
  }
  return jkt;
}

export function tokenResponse(token: string, claims: AccessTokenClaims, refreshToken: string | null): TokenResponse {
  return {
    access_token: token,
    token_type: claims.cnf ? "DPoP" : "Bearer",
    expires_in: claims.exp - claims.iat,
    scope: claims.scope,
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
  };
}
