import { randomBytes } from "node:crypto";
import { randomBase62 } from "@tessera/verifier";

const rng = (n: number) => new Uint8Array(randomBytes(n));

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
  return `${ID_PREFIX[kind]}_${randomBase62(20, rng)}`;
}

/** Cryptographic random bytes as a Uint8Array, for token generation. */
export const secureRandomBytes = rng;
