/**
 * The token endpoint's grants. Every grant opens a grant family (its id is the access token's
 * `gid`); refresh tokens belong to the family and are rotated on every use. A spent refresh
 * token presented again revokes the whole family (RFC 9700 4.14.2) and is audited as
 * suspected theft. Each grant, refresh and reuse is one unit of work with its audit record and
 * change-log entry; no secret is written anywhere but as a hash. The grants themselves live in
 * grant-client-credentials.ts and grant-refresh.ts; this file wires them.
 */
import type { Kysely } from "kysely";
import type { ServiceContext } from "../context.js";
import { createGroupCommit } from "../db/group-commit.js";
import type { Schema } from "../db/schema.js";
import type { AccessTokens } from "./access-tokens.js";
import type { OAuthClient } from "./clients.js";
import { clientCredentials } from "./grant-client-credentials.js";
import type { GrantDeps, GrantRequestContext, TokenResponse } from "./grant-policy.js";
import { refresh } from "./grant-refresh.js";

export type { GrantRequestContext, TokenResponse } from "./grant-policy.js";
export { grantableScopes, parseScopeParam } from "./grant-policy.js";

const FAMILY_PRUNE_INTERVAL_MS = 60_000;
/** Grant families are kept this long after they end, for the audit trail's sake of joins. */
const FAMILY_RETENTION_MS = 24 * 3_600_000;

/** Deletes grant families, refresh tokens, revoked-token records and cut-offs that ended long enough ago. */
async function pruneEndedFamilies(db: Kysely<Schema>, now: number): Promise<void> {
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

export function createGrants(ctx: ServiceContext, accessTokens: AccessTokens) {
  let lastPrune = 0;
  const deps: GrantDeps = {
    ctx,
    accessTokens,
    groupCommit: createGroupCommit(ctx),
    pruneFamilies: async (now) => {
      if (now - lastPrune < FAMILY_PRUNE_INTERVAL_MS) return;
      lastPrune = now;
      await pruneEndedFamilies(ctx.db, now);
    },
  };
  return {
    clientCredentials: (client: OAuthClient, params: Record<string, unknown>, request: GrantRequestContext) =>
      clientCredentials(deps, client, params, request),
    refresh: (client: OAuthClient, params: Record<string, unknown>, request: GrantRequestContext) =>
      refresh(deps, client, params, request),
  } satisfies Record<string, (...args: never[]) => Promise<TokenResponse>>;
}

export type Grants = ReturnType<typeof createGrants>;
