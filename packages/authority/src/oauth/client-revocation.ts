/** RFC 7009: a client revokes one of its own access tokens, or a refresh token and its whole grant family. */
import { hashToken, parseToken } from "@tessera/verifier";
import type { ServiceContext } from "../context.js";
import { runUnitOfWork } from "../db/transaction.js";
import type { AccessTokens } from "./access-tokens.js";
import { OAuthError } from "./errors.js";
import { revokeAccessToken, revokeFamily } from "./revocation.js";
import { isRefreshToken } from "./token-introspection.js";

export interface ClientRevocation {
  revoked: "access_token" | "grant_family" | null;
  /** The change-log sequence of the revocation; null when nothing was revoked. */
  sequence: number | null;
}

/**
 * RFC 7009 revocation by a client of its own token. Unknown, expired, already revoked and
 * other clients' tokens are all answered the same way (nothing happens), so the endpoint
 * tells a client nothing about tokens that are not its own.
 */
export async function revokeByClient(
  ctx: ServiceContext,
  accessTokens: AccessTokens,
  clientId: string,
  token: unknown,
  requestId: string,
): Promise<ClientRevocation> {
  const { db, clock, config, commitListener } = ctx;
  const cause = { actor: clientId, reason: "revoked by the client (RFC 7009)", requestId };
  if (accessTokens.looksLikeJwt(token)) {
    const claims = await accessTokens.verify(token);
    if (!claims || claims.client_id !== clientId) return { revoked: null, sequence: null };
    const sequence = await runUnitOfWork({ db, clock, commitListener }, (unit) =>
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
    const sequence = await runUnitOfWork({ db, clock, commitListener }, (unit) => revokeFamily(unit, row.id, cause));
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
