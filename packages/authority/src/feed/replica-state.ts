/**
 * What the snapshot carries besides API keys: the OAuth revocation state and signing keys
 * (their shapes are the wire contract's, `@tessera/verifier/wire`). The OAuth service
 * contributes it through `FeedService.setOAuthStateLoader`; until it does, the state is empty
 * (no signing keys: verifiers reject every JWT as `unknown`).
 */
import type { OAuthStateWire, SigningKeyWire } from "@tessera/verifier/wire";
import type { Kysely } from "kysely";
import type { Schema } from "../db/schema.js";

/** A public signing key as verifiers receive it. */
export type ReplicaSigningKey = SigningKeyWire;

export type OAuthReplicaState = OAuthStateWire;

export type OAuthStateLoader = (db: Kysely<Schema>, nowMs: number) => Promise<OAuthReplicaState>;

export const emptyOAuthState: OAuthStateLoader = async () => ({
  signingKeys: [],
  revokedJtis: [],
  revokedFamilies: [],
  principalCutoffs: [],
});
