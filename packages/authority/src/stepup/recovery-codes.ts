/**
 * Recovery codes: ten single-use codes shown once at enrolment, for when the authenticator is
 * lost. Each is 50 random bits written `xxxxx-xxxxx` in the base32 alphabet; only its SHA-256
 * is stored, so a database dump does not yield a usable code.
 */
import { createHash, randomBytes } from "node:crypto";
import { base32Encode } from "./totp.js";

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

/** The stored form: base64url SHA-256 of the canonical code. */
export function hashRecoveryCode(canonical: string): string {
  return createHash("sha256").update(`tessera-recovery:${canonical}`).digest("base64url");
}
