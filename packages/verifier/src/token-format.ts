/**
 * The Tessera token format: `<prefix>_<random base62><6-char base62 CRC32 of the random part>`.
 *
 * - 32 random base62 characters carry 190 bits of entropy (the bar is 160).
 * - The checksum lets a scanner recognise a Tessera token offline with no false positives,
 *   and lets a verifier reject typos and garbage before hashing anything.
 * - Only the SHA-256 of the whole token is ever stored; `displayStart` is what lists show.
 *
 * Pure functions with no I/O: the verifier, the scanner and the authority share them.
 * @module
 */

import { encodeBase62, isBase62, randomBase62 } from "./base62.js";
import { crc32Ascii } from "./crc32.js";

/**
 * Characters of randomness in every token body.
 * @example
 * parseToken(token)?.random.length === TOKEN_RANDOM_LENGTH // true
 */
export const TOKEN_RANDOM_LENGTH = 32;
/**
 * Characters of the base62 CRC32 checksum that ends every token.
 * @example
 * token.slice(-TOKEN_CHECKSUM_LENGTH) === checksumOf(token.slice(-TOKEN_BODY_LENGTH, -TOKEN_CHECKSUM_LENGTH)) // true
 */
export const TOKEN_CHECKSUM_LENGTH = 6;
/**
 * Length of the part after `<prefix>_`.
 * @example
 * const body = token.slice(-TOKEN_BODY_LENGTH);
 */
export const TOKEN_BODY_LENGTH = TOKEN_RANDOM_LENGTH + TOKEN_CHECKSUM_LENGTH;

/**
 * Default prefixes by kind of credential. A deployment may choose its own.
 * @example
 * generateToken(DEFAULT_PREFIXES.apiKey, random) // "tsk_..."
 */
export const DEFAULT_PREFIXES = {
  apiKey: "tsk",
  refreshToken: "tsr",
} as const;

/**
 * A prefix is 2 to 16 lower-case letters or digits, starting with a letter.
 * @example
 * PREFIX_PATTERN.test("acme") // true
 */
export const PREFIX_PATTERN = /^[a-z][a-z0-9]{1,15}$/;

/**
 * The parts of a well-formed token whose checksum matched.
 * @example
 * const { prefix, random, checksum }: ParsedToken = parseToken(token)!;
 */
export interface ParsedToken {
  prefix: string;
  /** The random part, without the checksum. */
  random: string;
  checksum: string;
}

/**
 * Throws a TypeError when `prefix` cannot be used in a token.
 * @example
 * assertValidPrefix("acme"); // fine
 * assertValidPrefix("Acme_1"); // TypeError
 */
export function assertValidPrefix(prefix: string): void {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new TypeError(`token prefix "${prefix}" must be 2-16 lower-case letters or digits, starting with a letter`);
  }
}

/**
 * The base62 CRC32 checksum of a token's random part.
 * @example
 * const parsed = parseToken(token);
 * parsed && checksumOf(parsed.random) === parsed.checksum // true
 */
export function checksumOf(random: string): string {
  return encodeBase62(crc32Ascii(random), TOKEN_CHECKSUM_LENGTH);
}

/**
 * Creates a new token with the given prefix.
 * @example
 * const token = generateToken("tsk", (n) => crypto.getRandomValues(new Uint8Array(n)));
 */
export function generateToken(prefix: string, randomBytes: (n: number) => Uint8Array): string {
  assertValidPrefix(prefix);
  const random = randomBase62(TOKEN_RANDOM_LENGTH, randomBytes);
  return `${prefix}_${random}${checksumOf(random)}`;
}

/**
 * Parses a token and checks its checksum. Returns `null` for anything that is not a
 * well-formed Tessera token, whatever the input (never throws).
 * @example
 * parseToken("tsk_...")?.prefix // "tsk"
 */
export function parseToken(token: unknown, allowedPrefixes?: ReadonlySet<string>): ParsedToken | null {
  if (typeof token !== "string") return null;
  // Longest valid token: 16-char prefix + "_" + body. Checked first so huge inputs cost nothing.
  if (token.length > 17 + TOKEN_BODY_LENGTH || token.length < 3 + TOKEN_BODY_LENGTH) return null;
  const underscore = token.length - TOKEN_BODY_LENGTH - 1;
  if (token.charCodeAt(underscore) !== 95 /* _ */) return null;
  const prefix = token.slice(0, underscore);
  if (allowedPrefixes ? !allowedPrefixes.has(prefix) : !PREFIX_PATTERN.test(prefix)) return null;
  const body = token.slice(underscore + 1);
  if (!isBase62(body)) return null;
  const random = body.slice(0, TOKEN_RANDOM_LENGTH);
  const checksum = body.slice(TOKEN_RANDOM_LENGTH);
  if (checksumOf(random) !== checksum) return null;
  return { prefix, random, checksum };
}

/**
 * True when `token` is a well-formed Tessera token with a valid checksum.
 * @example
 * isWellFormedToken("tsk_not-a-token") // false
 */
export function isWellFormedToken(token: unknown, allowedPrefixes?: ReadonlySet<string>): boolean {
  return parseToken(token, allowedPrefixes) !== null;
}

/**
 * The short, non-secret start of a token shown in lists and logs: the prefix and the first
 * four random characters (24 bits: enough to tell keys apart, far too little to guess one).
 * @example
 * displayStart("tsk_4Zq81...") // "tsk_4Zq8"
 */
export function displayStart(token: string): string {
  const underscore = token.lastIndexOf("_");
  return token.slice(0, underscore + 5);
}
