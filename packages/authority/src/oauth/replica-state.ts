/**
 * The OAuth part of a verifier's snapshot: what a replica needs to verify JWT access tokens
 * locally and to refuse revoked ones before they expire. Only entries that still matter (their
 * `exp` is in the future) are included; the change feed carries everything after the snapshot.
 */
import type { JsonWebKey } from "node:crypto";
import type { OAuthStateWire } from "@tessera/verifier/wire";
import type { Kysely } from "kysely";
import type { Schema } from "../db/schema.js";

/** The wire contract's OAuth state (`@tessera/verifier/wire`). */
export type OAuthReplicaState = OAuthStateWire;

/** Longest access-token lifetime any configuration allows: retired keys older than this are irrelevant. */
const RETIRED_KEY_HORIZON_MS = 24 * 3_600_000;

export async function loadOAuthReplicaState(db: Kysely<Schema>, nowMs: number): Promise<OAuthReplicaState> {
  const nowS = Math.floor(nowMs / 1000);
  const [keys, jtis, families, cutoffs] = await Promise.all([
    db
      .selectFrom("oauth_signing_keys")
      .select(["kid", "public_jwk", "not_before", "retired_at", "emergency"])
      .where((eb) => eb.or([eb("retired_at", "is", null), eb("retired_at", ">", nowMs - RETIRED_KEY_HORIZON_MS)]))
      .orderBy("not_before", "asc")
      .execute(),
    db.selectFrom("oauth_revoked_access_tokens").select(["jti", "exp"]).where("exp", ">", nowS).execute(),
    db
      .selectFrom("oauth_grant_families")
      .select(["id", "max_access_exp"])
      .where("revoked_at", "is not", null)
      .where("max_access_exp", ">", nowS)
      .execute(),
    db
      .selectFrom("oauth_principal_cutoffs")
      .select(["principal_id", "cutoff_s"])
      .where("expires_at", ">", nowMs)
      .execute(),
  ]);
  return {
    signingKeys: keys.map((k) => ({
      kid: k.kid,
      jwk: JSON.parse(k.public_jwk) as JsonWebKey,
      notBefore: Number(k.not_before),
      retired: k.retired_at !== null,
      emergency: k.emergency === 1,
    })),
    revokedJtis: jtis.map((j) => ({ jti: j.jti, exp: Number(j.exp) })),
    revokedFamilies: families.map((f) => ({ familyId: f.id, exp: Number(f.max_access_exp) })),
    principalCutoffs: cutoffs.map((c) => ({ principalId: c.principal_id, before: Number(c.cutoff_s) })),
  };
}
