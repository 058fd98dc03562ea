/**
 * `createVerifier`'s options: what they mean, and their check when the verifier is created
 * (a wrong option is a TypeError at start-up, not a failure on the first request).
 * @module
 */
import { toMilliseconds } from "./duration.js";
import { DEFAULT_IDLE_MS } from "./feed-client.js";
import { assertValidPrefix } from "./token-format.js";
import { VERIFIER_NAME_PATTERN } from "./wire.js";

/**
 * Options of {@link createVerifier}.
 * @example
 * const options: VerifierOptions = { url: "http://localhost:7070", credential: process.env.TESSERA_FEED_KEY!, name: "checkout-1", staleness: "5s" };
 */
export interface VerifierOptions {
  /** The authority's base URL, e.g. `http://tessera.internal:7070`. */
  url: string;
  /** An admin key holding `feed:read` (and `introspect` for `onStale: 'introspect'`). */
  credential: string;
  /** This service's name as the authority lists it, e.g. `checkout-1`. */
  name: string;
  /** How long the replica is trusted without news from the authority: ms or `5s` (default 5s). */
  staleness?: number | string;
  /**
   * How long the feed connection may stay silent (heartbeats come every second) before it is
   * dropped and made again, resuming where it stopped: ms or `3s` (default 3s, at least 100 ms).
   * Until a connection's first heartbeat (while a snapshot loads) the bound is at least 15 s.
   */
  idleTimeout?: number | string;
  /** When stale: reject everything (default), or ask the authority online. */
  onStale?: "fail-closed" | "introspect";
  /** Expected `iss` of access tokens (default: the issuer the authority announces). */
  issuer?: string;
  /** Accepted API key prefixes (default: any well-formed prefix; the replica decides). */
  prefixes?: string[];
  /** Clock skew tolerated on `exp`/`nbf` of access tokens: ms or `5s` (default 0). */
  clockTolerance?: number | string;
  /** Access tokens whose signature check is cached (default 10,000). */
  signatureCacheSize?: number;
  /** Usage reporting; `false` to disable. */
  usage?: false | { intervalMs?: number; maxEntries?: number };
  /** Connection problems and re-syncs (the verifier recovers by itself). Default: ignored. */
  onError?: (error: Error) => void;
}

/** The options after their check, durations in the units the verifier uses. */
export interface CheckedOptions {
  url: string;
  stalenessMs: number;
  idleMs: number;
  onStale: "fail-closed" | "introspect";
  clockToleranceSeconds: number;
}

function checkUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError("url must be the authority's base URL, e.g. http://localhost:7070");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new TypeError("url must be http: or https:");
  return url.toString();
}

export function checkOptions(options: VerifierOptions): CheckedOptions {
  if (typeof options !== "object" || options === null) throw new TypeError("createVerifier needs an options object");
  const url = checkUrl(options.url);
  if (typeof options.credential !== "string" || options.credential.length === 0) {
    throw new TypeError("credential must be an admin key holding feed:read");
  }
  if (typeof options.name !== "string" || !VERIFIER_NAME_PATTERN.test(options.name)) {
    throw new TypeError("name must be 1-128 letters, digits or . _ : @ -, starting with a letter or digit");
  }
  const stalenessMs = toMilliseconds(options.staleness ?? "5s", "staleness");
  if (stalenessMs < 100) throw new TypeError("staleness must be at least 100ms");
  const idleMs = toMilliseconds(options.idleTimeout ?? DEFAULT_IDLE_MS, "idleTimeout");
  if (idleMs < 100) throw new TypeError("idleTimeout must be at least 100ms");
  const onStale = options.onStale ?? "fail-closed";
  if (onStale !== "fail-closed" && onStale !== "introspect") {
    throw new TypeError("onStale must be 'fail-closed' or 'introspect'");
  }
  for (const prefix of options.prefixes ?? []) assertValidPrefix(prefix);
  return {
    url,
    stalenessMs,
    idleMs,
    onStale,
    clockToleranceSeconds: toMilliseconds(options.clockTolerance ?? 0, "clockTolerance") / 1000,
  };
}
