/** The `prev_hash` of the first audit record. */
export const GENESIS_HASH = "0".repeat(64);
