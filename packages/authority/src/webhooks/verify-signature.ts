/**
 * What a webhook receiver runs: checks `Tessera-Signature` against the raw request body.
 * docs/webhooks.md shows the same steps as a self-contained snippet; the tests run both.
 *
 * @example
 * const result = verifyWebhookSignature(rawBody, req.headers["tessera-signature"], secret, 300);
 * if (!result.ok) return res.writeHead(400).end(result.reason);
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export type SignatureCheck =
  | { ok: true; timestamp: number }
  | { ok: false; reason: "malformed" | "timestamp_out_of_tolerance" | "no_matching_signature" };

/**
 * @param rawBody the body exactly as received (before any JSON parsing)
 * @param header the `Tessera-Signature` header value
 * @param secret the endpoint's signing secret (`whsec_...`)
 * @param toleranceSeconds how far the signed time may be from now (300 recommended)
 * @param nowSeconds the current unix time (tests pass their own)
 */
export function verifyWebhookSignature(
  rawBody: string | Buffer,
  header: string | undefined | null,
  secret: string,
  toleranceSeconds = 300,
  nowSeconds = Math.floor(Date.now() / 1000),
): SignatureCheck {
  if (typeof header !== "string" || header.length > 4096) return { ok: false, reason: "malformed" };
  let timestamp = Number.NaN;
  const candidates: string[] = [];
  for (const part of header.split(",")) {
    const [name, value] = part.trim().split("=", 2);
    if (name === "t" && value !== undefined && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (name === "v1" && value !== undefined && /^[0-9a-f]{64}$/.test(value)) candidates.push(value);
  }
  if (!Number.isFinite(timestamp) || candidates.length === 0) return { ok: false, reason: "malformed" };
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return { ok: false, reason: "timestamp_out_of_tolerance" };
  const body = typeof rawBody === "string" ? Buffer.from(rawBody, "utf8") : rawBody;
  const expected = createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest();
  // Every candidate is compared (in constant time each), so timing says nothing about which matched.
  let matched = false;
  for (const candidate of candidates) {
    if (timingSafeEqual(expected, Buffer.from(candidate, "hex"))) matched = true;
  }
  return matched ? { ok: true, timestamp } : { ok: false, reason: "no_matching_signature" };
}
