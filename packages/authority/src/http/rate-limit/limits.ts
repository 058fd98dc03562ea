/**
 * Rate limits of one authority instance, in memory: several instances each count on their own.
 * Three counters over the same window:
 * - per client address: every request to a limited surface;
 * - per client id: the OAuth client_id (or the bearer key's display start) on /oauth/*, the
 *   admin key's id on /v1/*;
 * - failed authentications per address (any 401 on a limited surface): stricter, because
 *   that is what guessing looks like; past it the address gets 429 on every limited surface
 *   until its window ends, whatever it sends.
 */
import type { Clock } from "../../clock.js";
import type { TesseraConfig } from "../../config.js";
import { WindowCounter } from "./window-counter.js";

/** Keys tracked per counter: bounds memory (past it, new keys share one overflow budget). */
export const MAX_TRACKED_KEYS = 100_000;

export type LimitName = "address" | "client" | "failed_auth";

export interface RateLimits {
  windowMs: number;
  address: WindowCounter;
  client: WindowCounter;
  failedAuth: WindowCounter;
}

export function createRateLimits(
  config: Pick<
    TesseraConfig,
    "rateLimitWindowMs" | "rateLimitPerAddress" | "rateLimitPerClient" | "rateLimitFailedAuth"
  >,
  clock: Clock,
): RateLimits {
  const counter = (max: number) =>
    new WindowCounter({ clock, windowMs: config.rateLimitWindowMs, max, maxKeys: MAX_TRACKED_KEYS });
  return {
    windowMs: config.rateLimitWindowMs,
    address: counter(config.rateLimitPerAddress),
    client: counter(config.rateLimitPerClient),
    failedAuth: counter(config.rateLimitFailedAuth),
  };
}

/** Which limited surface a URL belongs to, or null (health, metrics, discovery, feed docs...). */
export function surfaceOf(url: string): "oauth" | "admin" | null {
  if (url.startsWith("/oauth/")) return "oauth";
  if (url.startsWith("/v1/") || url === "/v1") return "admin";
  // The Shared Signals stream API and the receiver's push endpoint (open to anyone who can sign).
  if (url.startsWith("/ssf/")) return "admin";
  return null;
}
