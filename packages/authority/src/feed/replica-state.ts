/**
 * What the snapshot carries besides API keys: the OAuth revocation state and signing keys.
 * The OAuth service contributes it through `FeedService.setOAuthStateLoader`; until it does,
 * the state is empty (no signing keys: verifiers reject every JWT as `unknown_key`).
 */
import type { Kysely } from "kysely";
import type { Schema } from "../db/schema.js";

/** A public signing key as verifiers receive it. */
export interface ReplicaSigningKey {
  kid: string;
  /** Public JWK (OKP Ed25519 by default). Never the private part. */
  jwk: Record<string, unknown>;
  /** Epoch ms from which the authority signs with it. */
  notBefore: number;
  retired: boolean;
  /** Retired in an emergency: every token it signed is invalid at once. */
  emergency: boolean;
}

export interface OAuthReplicaState {
  signingKeys: ReplicaSigningKey[];
  /** Revoked access tokens by `jti`, kept until `exp` (epoch s). */
  revokedJtis: Array<{ jti: string; exp: number }>;
  /** Revoked grant families by `gid`, kept until `exp` (epoch s). */
  revokedFamilies: Array<{ familyId: string; exp: number }>;
  /** Tokens of `principalId` issued before `before` (epoch s) are revoked. */
  principalCutoffs: Array<{ principalId: string; before: number }>;
}

export type OAuthStateLoader = (db: Kysely<Schema>, nowMs: number) => Promise<OAuthReplicaState>;

export const emptyOAuthState: OAuthStateLoader = async () => ({
  signingKeys: [],
  revokedJtis: [],
  revokedFamilies: [],
  principalCutoffs: [],
});
