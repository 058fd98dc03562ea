/**
 * One delivery attempt over HTTP: POST the signed body, wait at most `timeoutMs` for the
 * status line, never follow a redirect (a 3xx is a failure: the endpoint moved, or someone
 * tries to bounce the request elsewhere). The response body is discarded unread.
 *
 * The host is resolved by our own `lookup`, which refuses internal addresses outside the allow
 * list, and the connection goes to the address that was checked: a name that resolved to a
 * public address when the endpoint was registered and to 169.254.169.254 now (DNS rebinding)
 * is refused at delivery.
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { type AllowList, forbiddenHostReason, isForbiddenAddress } from "../domain/address-policy.js";

export interface AttemptOutcome {
  statusCode: number | null;
  /** Why it failed, in words with no secret in them; null on 2xx. */
  error: string | null;
  durationMs: number;
}

export type SendAttempt = (
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
) => Promise<AttemptOutcome>;

class ForbiddenAddressError extends Error {
  readonly code = "EFORBIDDENADDRESS";
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof ForbiddenAddressError) return error.message;
  const code = (error as { code?: string })?.code;
  if (code === "ETIMEDOUT_ATTEMPT") return `timed out after ${timeoutMs} ms`;
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ECONNRESET") return "connection reset";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "host not found";
  return code ? `network error (${code})` : "network error";
}

/** A `lookup` that resolves every address of a name and refuses the name if any is internal. */
function checkedLookup(allow: AllowList, resolve: typeof dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, "", 0);
      const bad = addresses.find((a) => isForbiddenAddress(a.address) && !allow.allowsAddress(a.address));
      if (bad && !allow.allowsHost(hostname)) {
        const refused = new ForbiddenAddressError(
          `refused: ${hostname} resolves to ${bad.address}, an internal address (TESSERA_WEBHOOK_ALLOW_HOSTS allows it)`,
        );
        return callback(refused, "", 0);
      }
      if ((options as { all?: boolean }).all)
        return (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };
}

/**
 * The sender webhooks use, enforcing the address policy with `allow`'s exceptions. `resolve`
 * is the system resolver; tests pass their own to show what happens when DNS answers with an
 * internal address, without sending anything off this machine.
 */
export function createSender(allow: AllowList, resolve: typeof dnsLookup = dnsLookup): SendAttempt {
  const lookup = checkedLookup(allow, resolve);
  return (url, headers, body, timeoutMs) => {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const target = new URL(url);
    // Address literals never reach `lookup`: check them here.
    const literalReason = forbiddenHostReason(target.hostname, allow);
    if (literalReason !== null) {
      return Promise.resolve({ statusCode: null, error: `refused: ${literalReason}`, durationMs: 0 });
    }
    return new Promise<AttemptOutcome>((resolve) => {
      const send = target.protocol === "https:" ? httpsRequest : httpRequest;
      const request = send(target, {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        lookup,
        // One connection per attempt: a pooled socket could outlive a DNS change.
        agent: false,
      });
      const timer = setTimeout(
        () => request.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT_ATTEMPT" })),
        timeoutMs,
      );
      request.on("response", (response) => {
        clearTimeout(timer);
        response.resume();
        const status = response.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        const error = ok
          ? null
          : status >= 300 && status < 400
            ? `HTTP ${status} (redirects are not followed)`
            : `HTTP ${status}`;
        resolve({ statusCode: status, error, durationMs: elapsed() });
        request.destroy();
      });
      request.on("error", (error) => {
        clearTimeout(timer);
        resolve({ statusCode: null, error: describeFailure(error, timeoutMs), durationMs: elapsed() });
      });
      request.end(body);
    });
  };
}
