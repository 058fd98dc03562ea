export { BASE62_ALPHABET, isBase62, randomBase62 } from "./base62.js";
export { crc32Ascii } from "./crc32.js";
export { hashToken } from "./hash.js";
export * from "./token-format.js";
