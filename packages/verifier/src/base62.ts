/** The base62 alphabet used by Tessera tokens: digits, upper case, lower case. */
export const BASE62_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Encodes a non-negative integer (up to 2^53) in base62, left-padded with '0' to `width`. */
export function encodeBase62(value: number, width: number): string {
  let out = "";
  let rest = value;
  while (rest > 0) {
    out = BASE62_ALPHABET[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out.padStart(width, "0");
}

/**
 * Random base62 string of `length` characters from `bytes` (rejection sampling, so every
 * character is uniform: 5.95 bits of entropy each).
 * @example
 * import { randomBytes } from "node:crypto";
 * const id = `ord_${randomBase62(16, (n) => new Uint8Array(randomBytes(n)))}`;
 */
export function randomBase62(length: number, randomBytes: (n: number) => Uint8Array): string {
  let out = "";
  while (out.length < length) {
    const chunk = randomBytes(length * 2);
    for (let i = 0; i < chunk.length && out.length < length; i++) {
      const byte = chunk[i] as number;
      // 248 = 62 * 4: bytes at or above it would bias the low characters.
      if (byte < 248) out += BASE62_ALPHABET[byte % 62];
    }
  }
  return out;
}

/** True when every character of `text` is in the base62 alphabet. */
export function isBase62(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (!ok) return false;
  }
  return true;
}
