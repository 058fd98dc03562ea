/**
 * Client of the authority's leak endpoints: liveness checks and revocation of leaked Tessera
 * tokens. Tokens are sent to the authority given by `--url` and nowhere else, in batches of at
 * most {@link MAX_BATCH}, with the admin credential as a bearer token.
 * @module
 */

import { ScanError } from "./errors.js";
import type { LivenessInfo, RemediationInfo } from "./types.js";

/** Tokens per request, the contract's limit. */
export const MAX_BATCH = 500;
const STATUSES = new Set(["active", "deprecated", "revoked", "expired", "unknown"]);
const ACTIONS = new Set(["revoked", "deprecated", "notified", "none"]);

export interface AuthorityClientOptions {
  url: string;
  credential: string;
  /** Per request; default 15 s. */
  timeoutMs?: number;
  /** Plain HTTP is refused except to loopback hosts unless this is set. */
  allowInsecureHttp?: boolean;
  fetch?: typeof fetch;
}

export interface LeakReport {
  token: string;
  /** `path:line:column`, with ` (commit <sha>)` for history. */
  location: string;
  detector: "tessera";
  fingerprint: string;
}

export interface AuthorityClient {
  /** Status of each token, in input order. */
  check(tokens: readonly string[]): Promise<LivenessInfo[]>;
  /** Revokes each leaked token; results in input order. */
  revoke(leaks: readonly LeakReport[]): Promise<RemediationInfo[]>;
}

export function createAuthorityClient(options: AuthorityClientOptions): AuthorityClient {
  const base = parseBaseUrl(options.url, options.allowInsecureHttp ?? false);
  if (options.credential.length === 0) throw new ScanError("invalid_option", "the authority credential is empty");
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 15_000;

  async function post(path: string, body: unknown): Promise<unknown> {
    const url = `${base}${path}`;
    let response: Response;
    try {
      response = await doFetch(url, {
        method: "POST",
        headers: {
          authorization: `Bearer ${options.credential}`,
          "content-type": "application/json",
          accept: "application/json",
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: "error",
      });
    } catch (error) {
      // The message of a fetch failure never contains the request body.
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      throw new ScanError("authority_unreachable", `authority at ${base} is unreachable (${cause})`, { cause: error });
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const err = (json as { error?: { code?: unknown; message?: unknown; requestId?: unknown } } | undefined)?.error;
      const code = typeof err?.code === "string" ? err.code : `http_${response.status}`;
      const message = typeof err?.message === "string" ? err.message : response.statusText;
      const requestId = typeof err?.requestId === "string" ? ` (request ${err.requestId})` : "";
      throw new ScanError("authority_error", `authority answered ${response.status} ${code}: ${message}${requestId}`);
    }
    return json;
  }

  return {
    async check(tokens) {
      const out: LivenessInfo[] = [];
      for (let i = 0; i < tokens.length; i += MAX_BATCH) {
        const batch = tokens.slice(i, i + MAX_BATCH);
        const json = await post("/v1/leaks/check", { tokens: batch });
        for (const r of resultsOf(json, batch.length)) {
          if (!STATUSES.has(r.status as string) || !(r.keyId === null || typeof r.keyId === "string")) badResponse();
          out.push({ status: r.status as LivenessInfo["status"], keyId: r.keyId as string | null });
        }
      }
      return out;
    },
    async revoke(leaks) {
      const out: RemediationInfo[] = [];
      for (let i = 0; i < leaks.length; i += MAX_BATCH) {
        const batch = leaks.slice(i, i + MAX_BATCH);
        const json = await post("/v1/leaks", { action: "revoke", leaks: batch });
        for (const r of resultsOf(json, batch.length)) {
          if (!STATUSES.has(r.statusBefore as string) || !ACTIONS.has(r.actionTaken as string)) badResponse();
          if (!(r.keyId === null || typeof r.keyId === "string")) badResponse();
          out.push({
            keyId: r.keyId as string | null,
            statusBefore: r.statusBefore as RemediationInfo["statusBefore"],
            actionTaken: r.actionTaken as RemediationInfo["actionTaken"],
          });
        }
      }
      return out;
    },
  };
}

/** Results ordered by `index`; exactly one per input. */
function resultsOf(json: unknown, expected: number): Record<string, unknown>[] {
  const results = (json as { results?: unknown } | undefined)?.results;
  if (!Array.isArray(results) || results.length !== expected) badResponse();
  const ordered: (Record<string, unknown> | undefined)[] = new Array(expected);
  for (const r of results as Record<string, unknown>[]) {
    const index = r?.index;
    if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= expected || ordered[index])
      badResponse();
    ordered[index as number] = r;
  }
  return ordered as Record<string, unknown>[];
}

function badResponse(): never {
  throw new ScanError("authority_bad_response", "authority answered with an unexpected body");
}

function parseBaseUrl(raw: string, allowInsecureHttp: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ScanError("invalid_option", `--url "${raw}" is not a URL`);
  }
  if (url.username || url.password)
    throw new ScanError("invalid_option", "--url must not carry credentials; use TESSERA_ADMIN_KEY");
  const loopback = url.hostname === "localhost" || url.hostname === "127.0.0.1" || url.hostname === "[::1]";
  if (url.protocol === "http:" && !loopback && !allowInsecureHttp) {
    throw new ScanError(
      "invalid_option",
      `refusing to send tokens over plain HTTP to ${url.host}; use https (or --allow-insecure-http)`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new ScanError("invalid_option", `--url must be http(s), got ${url.protocol}`);
  return url.href.replace(/\/+$/, "");
}
