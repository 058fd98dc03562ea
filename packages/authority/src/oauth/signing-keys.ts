/**
 * Access-token signing keys (Ed25519, `EdDSA`). Life of a key:
 *
 *   published (in the JWKS, not yet signing) -> current (signs) -> retiring (published, no
 *   longer signs, still verifies the tokens it signed) -> retired (gone from the JWKS)
 *
 * `rotate` publishes a new key `signingKeyPublicationDelayMs` before it signs anything, so that
 * every verifier has it before the first token it signed arrives; the old key is retired once
 * the longest access-token lifetime has passed after the switch. An emergency retirement takes
 * a key out at once: every token it signed stops verifying, and a fresh key signs from now on.
 *
 * Private keys are stored AES-256-GCM-encrypted under the master key, bound to their kid.
 */
import { createPrivateKey, type JsonWebKey, type KeyObject, webcrypto } from "node:crypto";

/** WebCrypto keys, imported once: jose converts anything else on every call. */
type CryptoKey = webcrypto.CryptoKey;
const ED25519 = { name: "Ed25519" } as const;

import type { TesseraConfig } from "../config.js";
import type { ServiceContext } from "../context.js";
import type { OAuthSigningKeysTable } from "../db/schema.js";
import { runUnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { TesseraError } from "../errors.js";
import {
  canSignAt,
  iso,
  maintainKeys,
  privateKeyContext,
  type RetireOptions,
  type RetireResult,
  retireKey,
  rotateKeys,
} from "./signing-key-changes.js";

export type SigningKeyState = "next" | "current" | "retiring" | "retired";

/** A signing key as the admin API shows it: public parts only. */
export interface SigningKeyView {
  kid: string;
  alg: string;
  state: SigningKeyState;
  createdAt: string;
  notBefore: string;
  retireAt: string | null;
  retiredAt: string | null;
  emergency: boolean;
  jwk: JsonWebKey;
}

export interface PublicJwk extends JsonWebKey {
  kid: string;
  alg: string;
  use: string;
}

interface LoadedKey {
  row: OAuthSigningKeysTable;
  jwk: PublicJwk;
  publicKey: CryptoKey;
}

/** How long a loaded key set is trusted before it is read again (other instances may have rotated). */
const CACHE_MS = 5_000;

function stateOf(row: OAuthSigningKeysTable, all: OAuthSigningKeysTable[], now: number): SigningKeyState {
  if (row.retired_at !== null) return "retired";
  if (row.not_before > now) return "next";
  const newer = all.some(
    (other) =>
      other.kid !== row.kid &&
      other.retired_at === null &&
      other.not_before <= now &&
      other.not_before > row.not_before,
  );
  return newer || row.retire_at !== null ? "retiring" : "current";
}

function toView(row: OAuthSigningKeysTable, all: OAuthSigningKeysTable[], now: number): SigningKeyView {
  return {
    kid: row.kid,
    alg: row.alg,
    state: stateOf(row, all, now),
    createdAt: iso(row.created_at) as string,
    notBefore: iso(row.not_before) as string,
    retireAt: iso(row.retire_at),
    retiredAt: iso(row.retired_at),
    emergency: row.emergency === 1,
    jwk: JSON.parse(row.public_jwk) as JsonWebKey,
  };
}

async function loadPublicKey(row: OAuthSigningKeysTable): Promise<LoadedKey> {
  const jwk = JSON.parse(row.public_jwk) as PublicJwk;
  const { kty, crv, x } = jwk;
  const publicKey = await webcrypto.subtle.importKey("jwk", { kty, crv, x }, ED25519, false, ["verify"]);
  return { row, jwk, publicKey };
}

/** A KeyObject, not a CryptoKey: tokens are signed on the thread pool (jws-sign.ts), SETs by jose. */
async function decryptPrivateKey(config: TesseraConfig, row: OAuthSigningKeysTable): Promise<KeyObject> {
  try {
    const der = config.masterKey.decrypt(row.private_key_enc, privateKeyContext(row.kid));
    return createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  } catch (cause) {
    // Never the key material: only which key and that the master key does not open it.
    throw new TesseraError(
      "internal_error",
      `signing key ${row.kid} cannot be decrypted: is TESSERA_MASTER_KEY the key it was stored under?`,
      { cause },
    );
  }
}

/** The key that signs at `now`: the newest whose publication delay has passed and that is not retiring. */
function signingCandidate(keys: LoadedKey[], now: number): LoadedKey | undefined {
  return (
    keys
      .filter((k) => canSignAt(k.row, now))
      // A key not scheduled to retire is preferred; a retiring key signs only until its successor may.
      .sort(
        (a, b) =>
          Number(a.row.retire_at !== null) - Number(b.row.retire_at !== null) || b.row.not_before - a.row.not_before,
      )[0]
  );
}

export function createSigningKeyService(ctx: ServiceContext) {
  const { db, clock, config } = ctx;
  let cache: { at: number; keys: LoadedKey[] } | null = null;
  const privateKeys = new Map<string, KeyObject>();

  /** Retires keys whose scheduled retirement has come; makes sure a key can sign. */
  async function maintain(): Promise<void> {
    const now = clock.now();
    const rows = await db.selectFrom("oauth_signing_keys").selectAll().where("retired_at", "is", null).execute();
    const due = rows.some((r) => r.retire_at !== null && r.retire_at <= now);
    if (!due && rows.some((r) => canSignAt(r, now))) return;
    await runUnitOfWork(ctx, (unit) => maintainKeys(unit, config));
    cache = null;
  }

  async function load(force = false): Promise<LoadedKey[]> {
    const now = clock.now();
    if (!force && cache && now - cache.at < CACHE_MS && now >= cache.at) return cache.keys;
    await maintain();
    const rows = await db.selectFrom("oauth_signing_keys").selectAll().where("retired_at", "is", null).execute();
    const keys = await Promise.all(rows.map(loadPublicKey));
    cache = { at: now, keys };
    return keys;
  }

  /** The key that signs now, its private half decrypted once and kept. */
  async function signer(): Promise<{ kid: string; privateKey: KeyObject }> {
    const keys = await load();
    // Read after loading: a key created by this load starts signing at the time it was made.
    const now = clock.now();
    const chosen = signingCandidate(keys, now) ?? (await load(true)).find((k) => k.row.not_before <= now);
    if (!chosen) throw new TesseraError("internal_error", "no signing key is available");
    let privateKey = privateKeys.get(chosen.row.kid);
    if (!privateKey) {
      privateKey = await decryptPrivateKey(config, chosen.row);
      privateKeys.set(chosen.row.kid, privateKey);
    }
    return { kid: chosen.row.kid, privateKey };
  }

  /** The public key of a kid that may still verify tokens, or null (unknown or retired). */
  async function verificationKey(kid: string): Promise<CryptoKey | null> {
    const found = (await load()).find((k) => k.row.kid === kid);
    if (found) return found.publicKey;
    // A key published by another instance after our cache was filled.
    return (await load(true)).find((k) => k.row.kid === kid)?.publicKey ?? null;
  }

  /** The JWKS: the next key (published before it signs), the current one and those still retiring. */
  async function jwks(): Promise<{ keys: PublicJwk[] }> {
    const keys = await load();
    return { keys: [...keys].sort((a, b) => b.row.not_before - a.row.not_before).map((k) => k.jwk) };
  }

  async function list(): Promise<SigningKeyView[]> {
    await maintain();
    const rows = await db.selectFrom("oauth_signing_keys").selectAll().orderBy("created_at", "desc").execute();
    const now = clock.now();
    return rows.map((row) => toView(row, rows, now));
  }

  /** See rotateKeys. */
  async function rotate(actor: Actor, reason: string | null = null): Promise<{ kid: string; notBefore: string }> {
    await maintain();
    const result = await runUnitOfWork(ctx, (unit) => rotateKeys(unit, config, actor.id, reason));
    cache = null;
    return result;
  }

  /** See retireKey. */
  async function retire(kid: string, options: RetireOptions, actor: Actor): Promise<RetireResult> {
    const result = await runUnitOfWork(ctx, (unit) => retireKey(unit, config, kid, options, actor.id));
    cache = null;
    return result;
  }

  return { ensure: maintain, signer, verificationKey, jwks, list, rotate, retire };
}

export type SigningKeyService = ReturnType<typeof createSigningKeyService>;
