import { randomBytes, randomFillSync } from "node:crypto";
import { randomBase62 } from "@tessera/verifier";

const rng = (n: number) => new Uint8Array(randomBytes(n));

/**
 * Random bytes for ids, drawn from a pool refilled by the system's CSPRNG 4 KB at a time:
 * every request gets an id, and one call into the CSPRNG per id was 8% of an introspection's
 * time (and 5% of a grant's, for its token's jti and family id). Ids are not secrets: tokens
 * and other secrets still draw their bytes directly (secureRandomBytes).
 */
const ID_POOL = new Uint8Array(4096);
let idPoolOffset = ID_POOL.length;
export function idRandomBytes(n: number): Uint8Array {
  if (n > ID_POOL.length) return rng(n);
  if (idPoolOffset + n > ID_POOL.length) {
    randomFillSync(ID_POOL);
    idPoolOffset = 0;
  }
  const bytes = ID_POOL.slice(idPoolOffset, idPoolOffset + n);
  idPoolOffset += n;
  return bytes;
}

/** Entity id kinds and their prefixes, so an id says what it names. */
export const ID_PREFIX = {
  principal: "prn",
  key: "key",
  revocation: "rvk",
  request: "req",
  finding: "fnd",
  stream: "ssf",
  transmitter: "sst",
} as const;

/** A new random id such as `key_4kq8...` (20 base62 characters: 119 bits). */
export function newId(kind: keyof typeof ID_PREFIX): string {
  return `${ID_PREFIX[kind]}_${randomBase62(20, idRandomBytes)}`;
}

/** Cryptographic random bytes as a Uint8Array, for token generation. */
export const secureRandomBytes = rng;
