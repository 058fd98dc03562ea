/**
 * Standard Webhooks signatures (standardwebhooks.com), which receivers verify with the
 * `standardwebhooks` libraries: `webhook-id` (the event id, the same on every retry, for
 * idempotency), `webhook-timestamp` (unix seconds) and `webhook-signature`: `v1,<base64
 * HMAC-SHA256>` over `<id>.<timestamp>.<raw body>`, one per secret during a rotation's overlap,
 * separated by spaces.
 *
 * The HMAC key is what the libraries derive from the secret: the base64 decoding of what
 * follows `whsec_`. Secrets issued before 0.2 are `whsec_` and 40 base62 characters; base62
 * characters are base64 characters and 40 is a multiple of 4, so the libraries decode them into
 * 30 bytes without complaint, and signing with that same decoding makes those secrets verify
 * too (the decoding is one-to-one, so nothing of their 238 bits is lost).
 */
import { createHmac } from "node:crypto";

const PREFIX = "whsec_";

/** The HMAC key a Standard Webhooks library derives from `secret`. */
export function standardKeyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, "base64");
}

export function standardSignatureOf(secret: string, id: string, timestamp: number, rawBody: string): string {
  return createHmac("sha256", standardKeyOf(secret)).update(`${id}.${timestamp}.${rawBody}`).digest("base64");
}

/** The three Standard Webhooks headers for `rawBody`, signed with every secret given. */
export function standardHeaders(
  secrets: readonly string[],
  id: string,
  timestamp: number,
  rawBody: string,
): Record<"webhook-id" | "webhook-timestamp" | "webhook-signature", string> {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": secrets.map((s) => `v1,${standardSignatureOf(s, id, timestamp, rawBody)}`).join(" "),
  };
}
