/**
 * The one place OAuth tokens become revoked, inside the caller's unit of work, each with the
 * change-log event verifiers enforce (docs/events.md):
 *
 * - `access_token.revoked { jti, exp, principalId, familyId }`
 * - `grant_family.revoked { familyId, exp }`: every access and refresh token of the grant
 * - `principal.cutoff { principalId, before }`: every access token of the principal issued
 *   before `before` (epoch s)
 */
import type { TesseraConfig } from "../config.js";
import type { UnitOfWork } from "../db/transaction.js";

export interface RevocationCause {
  actor: string;
  reason: string;
  requestId?: string | null;
}

/**
 * Revokes a grant family: its refresh tokens stop working and every access token carrying its
 * `gid` is refused. Returns the change-log sequence, or null when it was already revoked.
 */
export async function revokeFamily(unit: UnitOfWork, familyId: string, cause: RevocationCause): Promise<number | null> {
  const updated = await unit.trx
    .updateTable("oauth_grant_families")
    .set({ revoked_at: unit.now, revoked_reason: cause.reason })
    .where("id", "=", familyId)
    .where("revoked_at", "is", null)
    .returning(["client_id", "max_access_exp"])
    .executeTakeFirst();
  if (!updated) return null;
  const sequence = await unit.appendChange({
    type: "grant_family.revoked",
    data: { familyId, exp: updated.max_access_exp },
  });
  await unit.appendAudit({
    actor: cause.actor,
    action: "oauth.grant_family.revoked",
    targetType: "grant_family",
    targetId: familyId,
    reason: cause.reason,
    requestId: cause.requestId ?? null,
    data: { clientId: updated.client_id, exp: updated.max_access_exp },
  });
  return sequence;
}

/** Revokes one access token by `jti`. Returns the change-log sequence, or null when it was already revoked. */
export async function revokeAccessToken(
  unit: UnitOfWork,
  token: { jti: string; exp: number; principalId: string; familyId: string | null },
  cause: RevocationCause,
): Promise<number | null> {
  const inserted = await unit.trx
    .insertInto("oauth_revoked_access_tokens")
    .values({
      jti: token.jti,
      exp: token.exp,
      principal_id: token.principalId,
      family_id: token.familyId,
      revoked_at: unit.now,
    })
    .onConflict((oc) => oc.column("jti").doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return null;
  const sequence = await unit.appendChange({ type: "access_token.revoked", data: { ...token } });
  await unit.appendAudit({
    actor: cause.actor,
    action: "oauth.access_token.revoked",
    targetType: "access_token",
    targetId: token.jti,
    reason: cause.reason,
    requestId: cause.requestId ?? null,
    data: { principalId: token.principalId, familyId: token.familyId, exp: token.exp },
  });
  return sequence;
}

/**
 * Cuts a principal off: every access token issued to it until now is revoked (by `iat`), and
 * every grant family it holds. Used when a principal is disabled, in the same transaction.
 */
export async function cutOffPrincipal(
  unit: UnitOfWork,
  principalId: string,
  config: Pick<TesseraConfig, "accessTokenMaxTtlMs">,
  cause: RevocationCause,
): Promise<{ before: number; revokedFamilies: number }> {
  // `iat` has second precision: a token issued earlier in this very second must be covered.
  const before = Math.floor(unit.now / 1000) + 1;
  const expiresAt = before * 1000 + config.accessTokenMaxTtlMs;
  await unit.trx
    .insertInto("oauth_principal_cutoffs")
    .values({ principal_id: principalId, cutoff_s: before, expires_at: expiresAt })
    .onConflict((oc) => oc.column("principal_id").doUpdateSet({ cutoff_s: before, expires_at: expiresAt }))
    .execute();
  await unit.appendChange({ type: "principal.cutoff", data: { principalId, before } });
  const families = await unit.trx
    .selectFrom("oauth_grant_families")
    .select("id")
    .where("client_id", "=", principalId)
    .where("revoked_at", "is", null)
    // Families past their end hold nothing usable; their access tokens are covered by the cutoff.
    .where("expires_at", ">", unit.now)
    .execute();
  let revokedFamilies = 0;
  for (const family of families) {
    if ((await revokeFamily(unit, family.id, cause)) !== null) revokedFamilies++;
  }
  await unit.appendAudit({
    actor: cause.actor,
    action: "oauth.principal.cutoff",
    targetType: "principal",
    targetId: principalId,
    reason: cause.reason,
    requestId: cause.requestId ?? null,
    data: { before, revokedFamilies },
  });
  return { before, revokedFamilies };
}
