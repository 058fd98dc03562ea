/**
 * The writes to the signing-key table, each a step inside a unit of work that holds the
 * change-log writer lock: generate and publish a key, retire one, and the three operations built
 * from them (maintenance, rotation, retirement). The service in signing-keys.ts wires them.
 */
import { generateKeyPairSync } from "node:crypto";
import { jwkThumbprint } from "@tessera/verifier";
import type { TesseraConfig } from "../config.js";
import { lockChangeSequence } from "../db/dialect.js";
import type { OAuthSigningKeysTable } from "../db/schema.js";
import type { UnitOfWork } from "../db/transaction.js";
import { notFound, TesseraError } from "../errors.js";

export interface PublicJwkRow {
  kid: string;
  alg: string;
  use: string;
}

export interface StepUpRecord {
  method: string;
  justification: string;
}

export interface RetireOptions {
  emergency: boolean;
  reason: string;
  stepUp?: StepUpRecord;
}

export interface RetireResult {
  kid: string;
  retiredAt: string | null;
  retireAt: string | null;
  replacement: string | null;
}

export const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The AES-GCM context a private key is encrypted under: binds the ciphertext to its kid. */
export function privateKeyContext(kid: string): string {
  return `tessera:signing-key:${kid}`;
}

/**
 * Takes the change-log writer lock (the `sequences` row) at the start of a unit of work, so
 * that reading the key table and acting on it happen with no other writer in between, also
 * across instances on PostgreSQL (SQLite's unit of work takes it already).
 */
async function lockWriters(unit: UnitOfWork): Promise<void> {
  await lockChangeSequence(unit.trx);
}

/** Under the writer lock, the keys not yet retired. */
async function lockedLiveKeys(unit: UnitOfWork): Promise<OAuthSigningKeysTable[]> {
  await lockWriters(unit);
  return unit.trx.selectFrom("oauth_signing_keys").selectAll().where("retired_at", "is", null).execute();
}

export function canSignAt(row: OAuthSigningKeysTable, now: number): boolean {
  return row.not_before <= now && (row.retire_at === null || row.retire_at > now);
}

function newKeyRow(config: TesseraConfig, now: number, notBefore: number): OAuthSigningKeysTable {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const jwk = publicKey.export({ format: "jwk" }) as Record<string, unknown>;
  const kid = jwkThumbprint(jwk) as string;
  const pkcs8 = privateKey.export({ format: "der", type: "pkcs8" });
  return {
    kid,
    alg: "EdDSA",
    public_jwk: JSON.stringify({ ...jwk, kid, alg: "EdDSA", use: "sig" }),
    private_key_enc: config.masterKey.encrypt(pkcs8, privateKeyContext(kid)),
    created_at: now,
    not_before: notBefore,
    retire_at: null,
    retired_at: null,
    emergency: 0,
  };
}

async function insertKey(unit: UnitOfWork, row: OAuthSigningKeysTable, actor: string, reason: string | null) {
  await unit.trx.insertInto("oauth_signing_keys").values(row).execute();
  const jwk = JSON.parse(row.public_jwk) as PublicJwkRow;
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
  stepUp?: StepUpRecord,
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
export async function maintainKeys(unit: UnitOfWork, config: TesseraConfig): Promise<void> {
  // Re-read under the writer lock: another instance may have done this already.
  const live = await lockedLiveKeys(unit);
  for (const row of live) {
    if (row.retire_at !== null && row.retire_at <= unit.now) {
      await markRetired(unit, row.kid, false, "system:signing-keys", "scheduled retirement");
    }
  }
  // No key may sign (first start, or every key retired): one that signs at once. Nothing
  // can have been signed by a key nobody has seen, so no publication delay is needed.
  if (!live.some((r) => canSignAt(r, unit.now))) {
    await insertKey(unit, newKeyRow(config, unit.now, unit.now), "system:signing-keys", "no key could sign");
  }
}

/**
 * Publishes a new key that signs after the publication delay; the keys signing now are
 * scheduled to retire once the longest access token they may sign has expired.
 */
export async function rotateKeys(
  unit: UnitOfWork,
  config: TesseraConfig,
  actor: string,
  reason: string | null,
): Promise<{ kid: string; notBefore: string }> {
  const live = await lockedLiveKeys(unit);
  const pending = live.find((r) => r.not_before > unit.now);
  if (pending) {
    throw new TesseraError(
      "conflict",
      `key ${pending.kid} is already published and starts signing at ${iso(pending.not_before)}`,
      { details: { kid: pending.kid } },
    );
  }
  const row = newKeyRow(config, unit.now, unit.now + config.signingKeyPublicationDelayMs);
  await insertKey(unit, row, actor, reason);
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
}

/**
 * Retires a key. Emergency: at once, every token it signed stops verifying, and if it was
 * signing a new key signs from now on. Otherwise the key stops signing now and is retired
 * once the tokens it may have signed have expired.
 */
export async function retireKey(
  unit: UnitOfWork,
  config: TesseraConfig,
  kid: string,
  options: RetireOptions,
  actor: string,
): Promise<RetireResult> {
  const live = await lockedLiveKeys(unit);
  const row = live.find((r) => r.kid === kid);
  if (!row) return refuseRetired(unit, kid);
  const others = live.filter((r) => r.kid !== kid && r.not_before <= unit.now && r.retire_at === null);
  const neverSigned = row.not_before > unit.now;
  if (options.emergency || neverSigned) {
    await markRetired(unit, kid, options.emergency, actor, options.reason, options.stepUp);
    let replacement: string | null = null;
    if (others.length === 0 && !neverSigned) {
      const fresh = newKeyRow(config, unit.now, unit.now);
      await insertKey(unit, fresh, actor, `replaces ${kid}, retired in an emergency`);
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
    actor,
    action: "signing_key.retirement_scheduled",
    targetType: "signing_key",
    targetId: kid,
    reason: options.reason,
    data: { retireAt, ...(options.stepUp ? { stepUp: options.stepUp } : {}) },
  });
  return { kid, retiredAt: null, retireAt: iso(retireAt), replacement: null };
}

/** A kid that is not live: unknown (404) or already retired (409). */
async function refuseRetired(unit: UnitOfWork, kid: string): Promise<never> {
  const exists = await unit.trx
    .selectFrom("oauth_signing_keys")
    .select("kid")
    .where("kid", "=", kid)
    .executeTakeFirst();
  if (!exists) throw notFound("signing key", kid);
  throw new TesseraError("conflict", `signing key ${kid} is already retired`, { details: { kid } });
}
