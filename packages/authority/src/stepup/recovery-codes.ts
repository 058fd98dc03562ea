/**
 * Recovery codes: ten single-use codes shown once at enrolment, for when the authenticator is
 * lost. Each is 50 random bits written `xxxxx-xxxxx` in the base32 alphabet. What is stored is
 * an HMAC-SHA-256 under a key derived from the master key (which is not in the database): an
 * unkeyed hash of a 50-bit code is recovered from a database dump by trying every code, a keyed
 * one is not without the master key.
 *
 * Stored form `v2:<base64url HMAC(key, SHA-256("tessera-recovery:" + code))>`. Hashing the
 * earlier stored digest (version 1, the bare SHA-256) lets existing rows be upgraded in place
 * without their codes: see {@link upgradeStoredRecoveryCode}.
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import type { MasterKey } from "../crypto/master-key.js";
import { base32Encode } from "./totp.js";

/** The prefix of stored hashes in the current (keyed) form. */
export const RECOVERY_HASH_PREFIX = "v2:";

export const RECOVERY_CODE_COUNT = 10;

/** A fresh set of codes, formatted for people. */
export function generateRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const body = base32Encode(randomBytes(7)).slice(0, 10).toLowerCase();
    return `${body.slice(0, 5)}-${body.slice(5)}`;
  });
}

/** The canonical form of what a person typed (case, hyphens and spaces ignored), or null. */
export function normalizeRecoveryCode(input: string): string | null {
  const clean = input.replace(/[\s-]/g, "").toLowerCase();
  return /^[a-z2-7]{10}$/.test(clean) ? clean : null;
}

function legacyDigest(canonical: string): Buffer {
  return createHash("sha256").update(`tessera-recovery:${canonical}`).digest();
}

function keyedForm(masterKey: MasterKey, digest: Buffer): string {
  const mac = createHmac("sha256", masterKey.derive("recovery-codes v2")).update(digest).digest("base64url");
  return `${RECOVERY_HASH_PREFIX}${mac}`;
}

/** The stored form of a canonical code. */
export function hashRecoveryCode(masterKey: MasterKey, canonical: string): string {
  return keyedForm(masterKey, legacyDigest(canonical));
}

/** A version-1 stored hash (bare base64url SHA-256) in the current keyed form; others unchanged. */
export function upgradeStoredRecoveryCode(masterKey: MasterKey, stored: string): string {
  if (stored.startsWith(RECOVERY_HASH_PREFIX)) return stored;
  return keyedForm(masterKey, Buffer.from(stored, "base64url"));
}
