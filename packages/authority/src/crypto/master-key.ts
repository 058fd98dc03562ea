/**
 * The master key: 32 bytes that encrypt signing keys at rest (AES-256-GCM). It lives outside
 * the database (TESSERA_MASTER_KEY, base64, or TESSERA_MASTER_KEY_FILE), so a stolen database
 * dump does not yield the keys that sign access tokens.
 *
 * The bytes are held in a private field and the object serialises as "[redacted]", so logging
 * or printing the configuration cannot leak them.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { validationFailed } from "../errors.js";

const DEVELOPMENT_SEED = "tessera development master key: NOT FOR PRODUCTION";

export class MasterKey {
  readonly #bytes: Buffer;
  /** True for the built-in development key: `tessera serve` warns loudly about it. */
  readonly development: boolean;

  constructor(bytes: Buffer, development: boolean) {
    if (bytes.length !== 32) throw validationFailed("the master key must be exactly 32 bytes");
    this.#bytes = Buffer.from(bytes);
    this.development = development;
  }

  /** The well-known development key. Anyone can decrypt what it encrypts. */
  static development(): MasterKey {
    return new MasterKey(createHash("sha256").update(DEVELOPMENT_SEED).digest(), true);
  }

  /** `v1.<iv>.<ciphertext>.<tag>`, base64url parts; `context` is bound as associated data. */
  encrypt(plaintext: Buffer, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#bytes, iv);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const tag = cipher.getAuthTag();
    return ["v1", iv, ciphertext, tag].map((p) => (typeof p === "string" ? p : p.toString("base64url"))).join(".");
  }

  /** Throws when the value was not encrypted by this key for this context (or was altered). */
  decrypt(sealed: string, context: string): Buffer {
    const [version, iv, ciphertext, tag] = sealed.split(".");
    if (version !== "v1" || iv === undefined || ciphertext === undefined || tag === undefined) {
      throw new Error("sealed value has an unknown format");
    }
    const decipher = createDecipheriv("aes-256-gcm", this.#bytes, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]);
  }

  /** A key for another purpose derived from the master key (e.g. stateless DPoP nonces). */
  derive(purpose: string): Buffer {
    return createHmac("sha256", this.#bytes).update(`tessera:${purpose}`).digest();
  }

  toJSON(): string {
    return "[redacted]";
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `MasterKey(${this.development ? "development" : "configured"})`;
  }
}

/**
 * What `tessera serve` prints (stderr) and logs (warn) when it runs on the development key;
 * null when a master key is configured.
 */
export function developmentMasterKeyWarning(masterKey: MasterKey): string | null {
  if (!masterKey.development) return null;
  return (
    "no master key is configured (TESSERA_MASTER_KEY or TESSERA_MASTER_KEY_FILE): signing keys are encrypted " +
    "under the public DEVELOPMENT key, so anyone with the database can forge access tokens. Never use this in production."
  );
}

/** Reads TESSERA_MASTER_KEY (base64 of 32 bytes) or TESSERA_MASTER_KEY_FILE; else the development key. */
export function loadMasterKey(env: Record<string, string | undefined>): MasterKey {
  const inline = env.TESSERA_MASTER_KEY;
  const file = env.TESSERA_MASTER_KEY_FILE;
  if (inline && file) throw validationFailed("set TESSERA_MASTER_KEY or TESSERA_MASTER_KEY_FILE, not both");
  let encoded: string | undefined = inline;
  if (file) {
    try {
      encoded = readFileSync(file, "utf8");
    } catch {
      throw validationFailed(`TESSERA_MASTER_KEY_FILE: cannot read ${file}`, { field: "TESSERA_MASTER_KEY_FILE" });
    }
  }
  if (encoded === undefined || encoded === "") return MasterKey.development();
  const text = encoded.trim();
  const bytes = Buffer.from(text, "base64");
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text) || bytes.length !== 32) {
    // The message never repeats the value.
    throw validationFailed("the master key must be the base64 encoding of exactly 32 random bytes", {
      field: file ? "TESSERA_MASTER_KEY_FILE" : "TESSERA_MASTER_KEY",
    });
  }
  return new MasterKey(bytes, false);
}
