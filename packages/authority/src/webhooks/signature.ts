/**
 * The signature of a delivery: `Tessera-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`,
 * computed over `<t>.<raw body>` with the endpoint's signing secret (its UTF-8 bytes). While a
 * rotated secret is still in its grace window, the header carries one `v1=` per secret, the
 * new one first, so that a receiver holding either accepts it.
 */
import { createHmac } from "node:crypto";

export const SIGNATURE_HEADER = "Tessera-Signature";

export function signatureOf(secret: string, timestamp: number, rawBody: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${rawBody}`).digest("hex");
}

/** The header value for `rawBody`, signed at `timestamp` (unix seconds) with every secret given. */
export function signatureHeader(secrets: readonly string[], timestamp: number, rawBody: string): string {
  return [`t=${timestamp}`, ...secrets.map((secret) => `v1=${signatureOf(secret, timestamp, rawBody)}`)].join(",");
}
