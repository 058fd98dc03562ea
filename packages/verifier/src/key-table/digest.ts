/**
 * Token digests as the key table holds them: eight 32-bit words, decoded from the 43-character
 * base64url form (snapshot chunks and key records) or read straight from the 32-byte binary
 * digest (the verification path, which then decodes nothing).
 * @module
 */
import { HASH_LENGTH } from "../wire.js";

/** base64url character code -> 6-bit value, -1 for anything else. */
const BASE64URL = new Int8Array(128).fill(-1);
for (const [i, c] of [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"].entries()) {
  BASE64URL[c.charCodeAt(0)] = i;
}

/** The digest's bytes, decoded here and read as eight 32-bit words through `WORDS`. */
const BYTES = new Uint8Array(32);
const WORDS = new Int32Array(BYTES.buffer);
/** Whether WORDS reads bytes little-endian, so that words can be assembled with shifts instead. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Decodes the 43-character base64url SHA-256 at `text[offset...]` into `out` (eight 32-bit
 * words, in the platform's byte order: only ever compared with words decoded the same way).
 * False if it is not one. Four characters (three bytes) at a time: this runs on every
 * verification.
 */
export function decodeHash(text: string, offset: number, out: Int32Array): boolean {
  if (text.length < offset + HASH_LENGTH) return false;
  const table = BASE64URL;
  let invalid = 0;
  let at = offset;
  for (let b = 0; b < 30; b += 3, at += 4) {
    const c0 = table[text.charCodeAt(at) & 127] as number;
    const c1 = table[text.charCodeAt(at + 1) & 127] as number;
    const c2 = table[text.charCodeAt(at + 2) & 127] as number;
    const c3 = table[text.charCodeAt(at + 3) & 127] as number;
    invalid |=
      c0 |
      c1 |
      c2 |
      c3 |
      (text.charCodeAt(at) | text.charCodeAt(at + 1) | text.charCodeAt(at + 2) | text.charCodeAt(at + 3));
    const v = (c0 << 18) | (c1 << 12) | (c2 << 6) | c3;
    BYTES[b] = v >>> 16;
    BYTES[b + 1] = v >>> 8;
    BYTES[b + 2] = v;
  }
  const c0 = table[text.charCodeAt(at) & 127] as number;
  const c1 = table[text.charCodeAt(at + 1) & 127] as number;
  const c2 = table[text.charCodeAt(at + 2) & 127] as number;
  invalid |= c0 | c1 | c2 | (text.charCodeAt(at) | text.charCodeAt(at + 1) | text.charCodeAt(at + 2));
  // 43 characters carry 258 bits: the last 2 must be zero in a canonical encoding.
  if (invalid & ~127 || (c2 & 3) !== 0) return false;
  const v = (c0 << 10) | (c1 << 4) | (c2 >>> 2);
  BYTES[30] = v >>> 8;
  BYTES[31] = v;
  out.set(WORDS);
  return true;
}

/** Reads a 32-byte binary digest (one byte per character) into `out`, byte by byte (any byte order). */
export function readBinaryDigest(digest: string, out: Int32Array): void {
  for (let b = 0; b < 32; b++) BYTES[b] = digest.charCodeAt(b);
  out.set(WORDS);
}

/** The little-endian 32-bit word of the one-byte characters `text[at, at + 4)`. */
export function wordAt(text: string, at: number): number {
  return (
    text.charCodeAt(at) |
    (text.charCodeAt(at + 1) << 8) |
    (text.charCodeAt(at + 2) << 16) |
    (text.charCodeAt(at + 3) << 24)
  );
}
