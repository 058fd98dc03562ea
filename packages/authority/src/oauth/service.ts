/**
 * The OAuth 2.0 side of the authority, wired once: signing keys, access tokens, grants, client
 * authentication, DPoP, and the introspection and revocation of OAuth tokens.
 */
import type { ServiceContext } from "../context.js";
import type { UsageRecorder } from "../keys/index.js";
import { createAccessTokens } from "./access-tokens.js";
import { recordClientAuthFailure } from "./client-auth-failure.js";
import { revokeByClient } from "./client-revocation.js";
import { createClientAuthenticator } from "./clients.js";
import { createDpopChecker } from "./dpop.js";
import { createGrants } from "./grants.js";
import { createSigningKeyService } from "./signing-keys.js";
import { introspectOAuthToken } from "./token-introspection.js";

export type { OAuthIntrospection } from "./token-introspection.js";

export function createOAuthService(ctx: ServiceContext, usage: UsageRecorder) {
  const signingKeys = createSigningKeyService(ctx);
  const accessTokens = createAccessTokens(ctx, signingKeys);
  const grants = createGrants(ctx, accessTokens);
  const dpop = createDpopChecker(ctx);
  const authenticateClient = createClientAuthenticator(ctx, usage);

  return {
    signingKeys,
    accessTokens,
    grants,
    dpop,
    authenticateClient,
    recordClientAuthFailure: (
      request: Parameters<typeof recordClientAuthFailure>[1],
      params: Record<string, unknown>,
      route: string,
    ) => recordClientAuthFailure(ctx, request, params, route),
    /** Introspects a JWT access token or a refresh token; null when it is neither or not active. */
    introspect: (token: unknown) => introspectOAuthToken(ctx, accessTokens, token),
    /** RFC 7009 revocation by a client of its own token (see client-revocation.ts). */
    revoke: (clientId: string, token: unknown, requestId: string) =>
      revokeByClient(ctx, accessTokens, clientId, token, requestId),
  };
}

export type OAuthService = ReturnType<typeof createOAuthService>;
