/**
 * A revocation's key ordinals as a bitmap over their span: bit k (byte k >> 3, bit k & 7, least
 * significant first) says that the key with ordinal `from + k` is revoked by this change.
 * Ordinals are unique across all keys, so the bitmap names exactly the revoked keys whatever
 * their principals, with no query for the keys that survive. It is the compact form of a
 * selection scattered inside a principal (every key holding one scope, say), where ranges would
 * fragment: 100,000 keys out of 200,000 consecutive ordinals are 25 KB, against 2.7 MB of ids.
 */
import type { OrdinalBitmapWire } from "@tessera/verifier/wire";

/** The wire contract's form (`@tessera/verifier/wire`). */
export type OrdinalBitmap = OrdinalBitmapWire;

/**
 * The bitmap of `ordinals`, or null when it would span more than `maxSpanPerKey` ordinals per
 * revoked key (sparse: a bitmap would then be larger than the alternatives).
 */
export function ordinalBitmap(ordinals: readonly number[], maxSpanPerKey: number): OrdinalBitmap | null {
  if (ordinals.length === 0) return null;
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const ordinal of ordinals) {
    if (!Number.isSafeInteger(ordinal)) return null;
    if (ordinal < from) from = ordinal;
    if (ordinal > to) to = ordinal;
  }
  const span = to - from + 1;
  if (span > maxSpanPerKey * ordinals.length) return null;
  const bytes = new Uint8Array(Math.ceil(span / 8));
  for (const ordinal of ordinals) {
    const k = ordinal - from;
    bytes[k >> 3] = (bytes[k >> 3] as number) | (1 << (k & 7));
  }
  return { from, bits: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64") };
}
