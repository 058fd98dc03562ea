/**
 * Online fallback for a stale verifier configured with `onStale: 'introspect'`: asks the
 * authority's RFC 7662 endpoint, caching answers briefly so a burst of requests with one
 * token costs one round trip. The credential must hold the `introspect` scope.
 * @module
 */
import type { VerifyOptions, VerifyResult } from "./types.js";
import { rejection } from "./verify.js";

interface Cached {
  at: number;
  response: Record<string, unknown> | null;
}

export function createIntrospector(options: { url: string; credential: string; cacheMs?: number; timeoutMs?: number }) {
  const base = options.url.replace(/\/+$/, "");
  const cacheMs = options.cacheMs ?? 1000;
  const cache = new Map<string, Cached>();

  async function fetchAnswer(token: string): Promise<Record<string, unknown> | null> {
    const hit = cache.get(token);
    if (hit && Date.now() - hit.at < cacheMs) return hit.response;
    let response: Record<string, unknown> | null = null;
    try {
      const answer = await fetch(`${base}/oauth/introspect`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${options.credential}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ token }).toString(),
        signal: AbortSignal.timeout(options.timeoutMs ?? 2000),
      });
      if (answer.ok) response = (await answer.json()) as Record<string, unknown>;
      else await answer.arrayBuffer().catch(() => undefined);
    } catch {
      response = null;
    }
    if (response !== null) {
      if (cache.size >= 10_000) cache.delete(cache.keys().next().value as string);
      cache.set(token, { at: Date.now(), response });
    }
    return response;
  }

  /** The authority's verdict; `stale` when it cannot be reached either (still fail closed). */
  return async function introspect(token: string, verifyOptions?: VerifyOptions): Promise<VerifyResult> {
    const answer = await fetchAnswer(token);
    if (answer === null) return rejection("stale");
    if (answer.active !== true || typeof answer.sub !== "string") return rejection("unknown");
    const scopes = typeof answer.scope === "string" ? answer.scope.split(" ").filter(Boolean) : [];
    const audience = verifyOptions?.audience;
    if (audience !== undefined && answer.aud !== undefined) {
      const aud = answer.aud;
      if (!(aud === audience || (Array.isArray(aud) && aud.includes(audience)))) return rejection("audience_mismatch");
    }
    if (verifyOptions?.scopes && !verifyOptions.scopes.every((s) => scopes.includes(s))) {
      return rejection("scope_insufficient");
    }
    const keyId = typeof answer.key_id === "string" ? answer.key_id : typeof answer.jti === "string" ? answer.jti : "";
    return {
      ok: true,
      principalId: answer.sub,
      scopes,
      keyId,
      kind: answer.token_type === "api_key" ? "api_key" : "access_token",
      ...(answer.deprecated === true ? { deprecated: true as const } : {}),
    };
  };
}
