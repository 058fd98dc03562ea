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
import { generateKeyPairSync, type JsonWebKey, webcrypto } from "node:crypto";

/** WebCrypto keys, imported once: jose converts anything else on every call. */
type CryptoKey = webcrypto.CryptoKey;
const ED25519 = { name: "Ed25519" } as const;

import { jwkThumbprint } from "@tessera/verifier";
import type { ServiceContext } from "../context.js";
import { lockChangeSequence } from "../db/dialect.js";
import type { OAuthSigningKeysTable } from "../db/schema.js";
import { runUnitOfWork, type UnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { notFound, TesseraError } from "../errors.js";

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

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Takes the change-log writer lock (the `sequences` row) at the start of a unit of work, so
 * that reading the key table and acting on it happen with no other writer in between, also
 * across instances on PostgreSQL (SQLite's unit of work takes it already).
 */
async function lockWriters(unit: UnitOfWork): Promise<void> {
  await lockChangeSequence(unit.trx);
}

export function createSigningKeyService(ctx: ServiceContext) {
  const { db, clock, config } = ctx;
  let cache: { at: number; keys: LoadedKey[] } | null = null;
  const privateKeys = new Map<string, CryptoKey>();

  function context(kid: string) {
    return `tessera:signing-key:${kid}`;
  }

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

  function newKeyRow(now: number, notBefore: number): OAuthSigningKeysTable {
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const jwk = publicKey.export({ format: "jwk" }) as Record<string, unknown>;
    const kid = jwkThumbprint(jwk) as string;
    const pkcs8 = privateKey.export({ format: "der", type: "pkcs8" });
    return {
      kid,
      alg: "EdDSA",
      public_jwk: JSON.stringify({ ...jwk, kid, alg: "EdDSA", use: "sig" }),
      private_key_enc: config.masterKey.encrypt(pkcs8, context(kid)),
      created_at: now,
      not_before: notBefore,
      retire_at: null,
      retired_at: null,
      emergency: 0,
    };
  }

  async function insertKey(unit: UnitOfWork, row: OAuthSigningKeysTable, actor: string, reason: string | null) {
    await unit.trx.insertInto("oauth_signing_keys").values(row).execute();
    const jwk = JSON.parse(row.public_jwk) as PublicJwk;
    await unit.appendChange({ type: "signing_key.published", data: { kid: row.kid, jwk, notBefore: row.not_before } });
    await unit.appendAudit({
      actor,
      action: "signing_key.published",
      targetType: "signing_key",
      targetId: row.kid,
      reason,
      data: { alg: row.alg, notBefore: row.not_before },
    });
  }

  async function markRetired(
    unit: UnitOfWork,
    kid: string,
    emergency: boolean,
    actor: string,
    reason: string | null,
    stepUp?: { method: string; justification: string },
  ) {
    await unit.trx
      .updateTable("oauth_signing_keys")
      .set({ retired_at: unit.now, emergency: emergency ? 1 : 0 })
      .where("kid", "=", kid)
      .where("retired_at", "is", null)
      .execute();
    await unit.appendChange({ type: "signing_key.retired", data: { kid, emergency, at: unit.now } });
    await unit.appendAudit({
      actor,
      action: "signing_key.retired",
      targetType: "signing_key",
      targetId: kid,
      reason,
      data: { emergency, ...(stepUp ? { stepUp } : {}) },
    });
  }

  /** Retires keys whose scheduled retirement has come; makes sure a key can sign. */
  async function maintain(): Promise<void> {
    const now = clock.now();
    const rows = await db.selectFrom("oauth_signing_keys").selectAll().where("retired_at", "is", null).execute();
    const due = rows.filter((r) => r.retire_at !== null && r.retire_at <= now);
    const canSign = rows.some((r) => r.not_before <= now && (r.retire_at === null || r.retire_at > now));
    if (due.length === 0 && canSign) return;
    await runUnitOfWork(db, clock, async (unit) => {
      // Re-read under the writer lock: another instance may have done this already.
      await lockWriters(unit);
      const live = await unit.trx
        .selectFrom("oauth_signing_keys")
        .selectAll()
        .where("retired_at", "is", null)
        .execute();
      for (const row of live) {
        if (row.retire_at !== null && row.retire_at <= unit.now) {
          await markRetired(unit, row.kid, false, "system:signing-keys", "scheduled retirement");
        }
      }
      const signer = live.some((r) => r.not_before <= unit.now && (r.retire_at === null || r.retire_at > unit.now));
      // No key may sign (first start, or every key retired): one that signs at once. Nothing
      // can have been signed by a key nobody has seen, so no publication delay is needed.
      if (!signer) {
        await insertKey(unit, newKeyRow(unit.now, unit.now), "system:signing-keys", "no key could sign");
      }
    });
    cache = null;
  }

  async function load(force = false): Promise<LoadedKey[]> {
    const now = clock.now();
    if (!force && cache && now - cache.at < CACHE_MS && now >= cache.at) return cache.keys;
    await maintain();
    const rows = await db.selectFrom("oauth_signing_keys").selectAll().where("retired_at", "is", null).execute();
    const keys = await Promise.all(
      rows.map(async (row) => {
        const jwk = JSON.parse(row.public_jwk) as PublicJwk;
        const { kty, crv, x } = jwk;
        const publicKey = await webcrypto.subtle.importKey("jwk", { kty, crv, x }, ED25519, false, ["verify"]);
        return { row, jwk, publicKey };
      }),
    );
    cache = { at: now, keys };
    return keys;
  }

  async function decryptPrivate(row: OAuthSigningKeysTable): Promise<CryptoKey> {
    let key = privateKeys.get(row.kid);
    if (!key) {
      try {
        const der = config.masterKey.decrypt(row.private_key_enc, context(row.kid));
        key = await webcrypto.subtle.importKey("pkcs8", der, ED25519, false, ["sign"]);
      } catch (cause) {
        // Never the key material: only which key and that the master key does not open it.
        throw new TesseraError(
          "internal_error",
          `signing key ${row.kid} cannot be decrypted: is TESSERA_MASTER_KEY the key it was stored under?`,
          { cause },
        );
      }
      privateKeys.set(row.kid, key);
    }
    return key;
  }

  /** The key that signs now: the newest key whose publication delay has passed and that is not retiring. */
  async function signer(): Promise<{ kid: string; privateKey: CryptoKey }> {
    const keys = await load();
    // Read after loading: a key created by this load starts signing at the time it was made.
    const now = clock.now();
    const candidates = keys
      .filter((k) => k.row.not_before <= now && (k.row.retire_at === null || k.row.retire_at > now))
      // A key not scheduled to retire is preferred; a retiring key signs only until its successor may.
      .sort(
        (a, b) =>
          Number(a.row.retire_at !== null) - Number(b.row.retire_at !== null) || b.row.not_before - a.row.not_before,
      );
    const chosen = candidates[0] ?? (await load(true)).find((k) => k.row.not_before <= now);
    if (!chosen) throw new TesseraError("internal_error", "no signing key is available");
    return { kid: chosen.row.kid, privateKey: await decryptPrivate(chosen.row) };
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
    return rows.map((row) => ({
      kid: row.kid,
      alg: row.alg,
      state: stateOf(row, rows, now),
      createdAt: iso(row.created_at) as string,
      notBefore: iso(row.not_before) as string,
      retireAt: iso(row.retire_at),
      retiredAt: iso(row.retired_at),
      emergency: row.emergency === 1,
      jwk: JSON.parse(row.public_jwk) as JsonWebKey,
    }));
  }

  /**
   * Publishes a new key that signs after the publication delay; the keys signing now are
   * scheduled to retire once the longest access token they may sign has expired.
   */
  async function rotate(actor: Actor, reason: string | null = null): Promise<{ kid: string; notBefore: string }> {
    await maintain();
    const result = await runUnitOfWork(db, clock, async (unit) => {
      await lockWriters(unit);
      const live = await unit.trx
        .selectFrom("oauth_signing_keys")
        .selectAll()
        .where("retired_at", "is", null)
        .execute();
      const pending = live.find((r) => r.not_before > unit.now);
      if (pending) {
        throw new TesseraError(
          "conflict",
          `key ${pending.kid} is already published and starts signing at ${iso(pending.not_before)}`,
          { details: { kid: pending.kid } },
        );
      }
      const row = newKeyRow(unit.now, unit.now + config.signingKeyPublicationDelayMs);
      await insertKey(unit, row, actor.id, reason);
      const retireAt = row.not_before + config.accessTokenMaxTtlMs;
      for (const old of live) {
        if (old.retire_at === null || old.retire_at > retireAt) {
          await unit.trx
            .updateTable("oauth_signing_keys")
            .set({ retire_at: retireAt })
            .where("kid", "=", old.kid)
            .execute();
        }
      }
      return { kid: row.kid, notBefore: iso(row.not_before) as string };
    });
    cache = null;
    return result;
  }

  /**
   * Retires a key. Emergency: at once, every token it signed stops verifying, and if it was
   * signing a new key signs from now on. Otherwise the key stops signing now and is retired
   * once the tokens it may have signed have expired.
   */
  async function retire(
    kid: string,
    options: { emergency: boolean; reason: string; stepUp?: { method: string; justification: string } },
    actor: Actor,
  ): Promise<{ kid: string; retiredAt: string | null; retireAt: string | null; replacement: string | null }> {
    const result = await runUnitOfWork(db, clock, async (unit) => {
      await lockWriters(unit);
      const live = await unit.trx
        .selectFrom("oauth_signing_keys")
        .selectAll()
        .where("retired_at", "is", null)
        .execute();
      const row = live.find((r) => r.kid === kid);
      if (!row) {
        const exists = await unit.trx
          .selectFrom("oauth_signing_keys")
          .select("kid")
          .where("kid", "=", kid)
          .executeTakeFirst();
        if (!exists) throw notFound("signing key", kid);
        throw new TesseraError("conflict", `signing key ${kid} is already retired`, { details: { kid } });
      }
      const others = live.filter((r) => r.kid !== kid && r.not_before <= unit.now && r.retire_at === null);
      const neverSigned = row.not_before > unit.now;
      let replacement: string | null = null;
      if (options.emergency || neverSigned) {
        await markRetired(unit, kid, options.emergency, actor.id, options.reason, options.stepUp);
        if (others.length === 0 && !neverSigned) {
          const fresh = newKeyRow(unit.now, unit.now);
          await insertKey(unit, fresh, actor.id, `replaces ${kid}, retired in an emergency`);
          replacement = fresh.kid;
        }
        return { kid, retiredAt: iso(unit.now), retireAt: null, replacement };
      }
      if (others.length === 0) {
        throw new TesseraError(
          "conflict",
          `signing key ${kid} is the only key that can sign: rotate first, or retire it with --emergency`,
          { details: { kid } },
        );
      }
      const retireAt = Math.min(row.retire_at ?? Number.MAX_SAFE_INTEGER, unit.now + config.accessTokenMaxTtlMs);
      await unit.trx.updateTable("oauth_signing_keys").set({ retire_at: retireAt }).where("kid", "=", kid).execute();
      await unit.appendAudit({
        actor: actor.id,
        action: "signing_key.retirement_scheduled",
        targetType: "signing_key",
        targetId: kid,
        reason: options.reason,
        data: { retireAt, ...(options.stepUp ? { stepUp: options.stepUp } : {}) },
      });
      return { kid, retiredAt: null, retireAt: iso(retireAt), replacement };
    });
    cache = null;
    return result;
  }

  return { ensure: maintain, signer, verificationKey, jwks, list, rotate, retire };
}

export type SigningKeyService = ReturnType<typeof createSigningKeyService>;
