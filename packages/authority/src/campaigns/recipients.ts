/**
 * Export recipients: an owner's public key (X25519 OKP or P-256 EC JWK) and the JWE that carries
 * the owner's new secrets to it. The authority only ever holds the ciphertext: ECDH-ES with an
 * ephemeral key means nobody but the holder of the recipient's private key can open it.
 */
import { CompactEncrypt, importJWK, type JWK } from "jose";
import { validationFailed } from "../errors.js";

export const EXPORT_ALG = "ECDH-ES+A256KW";
export const EXPORT_ENC = "A256GCM";
export const MAX_RECIPIENTS = 1000;

export type RecipientJwk = JWK & { kty: "OKP" | "EC"; crv: "X25519" | "P-256"; x: string };

/** One new credential in an export file. */
export interface ExportedKey {
  keyId: string;
  /** The old key this one replaces. */
  replaces: string;
  principalId: string;
  start: string;
  secret: string;
  expiresAt: string | null;
}

/** What the owner finds after decrypting: `{ campaignId, owner, keys }`. */
export interface ExportPayload {
  campaignId: string;
  owner: string;
  createdAt: string;
  keys: ExportedKey[];
}

/**
 * Checks a recipient key and returns it without any field but the public ones. A private key
 * (`d`) is refused: sending it would hand the authority the means to decrypt.
 */
export async function checkRecipient(owner: string, value: unknown): Promise<RecipientJwk> {
  const field = `exportRecipients.${owner}`;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw validationFailed(`${field} must be a public JWK object`, { field });
  }
  const jwk = value as Record<string, unknown>;
  if ("d" in jwk) {
    throw validationFailed(`${field} is a private key: send only the public part (without "d")`, { field });
  }
  const okp = jwk.kty === "OKP" && jwk.crv === "X25519";
  const ec = jwk.kty === "EC" && jwk.crv === "P-256" && typeof jwk.y === "string";
  if (!(okp || ec) || typeof jwk.x !== "string") {
    throw validationFailed(`${field} must be an X25519 (OKP) or P-256 (EC) public JWK`, { field });
  }
  const clean: Record<string, unknown> = { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
  if (ec) clean.y = jwk.y;
  if (typeof jwk.kid === "string" && jwk.kid.length <= 128) clean.kid = jwk.kid;
  try {
    await importJWK(clean as JWK, EXPORT_ALG);
  } catch {
    throw validationFailed(`${field} is not a usable public key`, { field });
  }
  return clean as RecipientJwk;
}

/** Checks every recipient of a `{ owner: jwk }` map. */
export async function checkRecipients(
  value: Record<string, unknown> | undefined,
): Promise<Record<string, RecipientJwk>> {
  const entries = Object.entries(value ?? {});
  if (entries.length > MAX_RECIPIENTS) {
    throw validationFailed(`exportRecipients may name at most ${MAX_RECIPIENTS} owners`, { field: "exportRecipients" });
  }
  const out: Record<string, RecipientJwk> = {};
  for (const [owner, jwk] of entries) out[owner] = await checkRecipient(owner, jwk);
  return out;
}

/** Encrypts an owner's payload to its public key: a compact JWE. */
export async function encryptExport(payload: ExportPayload, recipient: RecipientJwk): Promise<string> {
  const key = await importJWK(recipient, EXPORT_ALG);
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({
      alg: EXPORT_ALG,
      enc: EXPORT_ENC,
      cty: "application/vnd.tessera.campaign-export+json",
      ...(recipient.kid ? { kid: recipient.kid } : {}),
    })
    .encrypt(key);
}
