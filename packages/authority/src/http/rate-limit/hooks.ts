/**
 * The rate limits at the HTTP edge, answered with 429 and `Retry-After` in the format of the
 * surface: RFC 6749 style `{ error, error_description }` on /oauth/*, the admin shape
 * `{ error: { code: "rate_limited", message, requestId, details } }` on /v1/*.
 */
import { displayStart } from "@tessera/verifier";
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import { TesseraError } from "../../errors.js";
import { sendError } from "../error-handler.js";
import type { Metrics } from "../metrics.js";
import { type LimitName, type RateLimits, surfaceOf } from "./limits.js";

/**
 * The surface of the route that matched (a percent-encoded path such as `/%761/keys` reaches
 * the `/v1/keys` route, so the raw URL alone could dodge the limits), or of the raw URL when
 * no route matched.
 */
function surfaceOfRequest(request: FastifyRequest) {
  return surfaceOf(request.routeOptions.url ?? request.url);
}

const WHAT: Record<LimitName, string> = {
  address: "too many requests from this address",
  client: "too many requests for this client",
  failed_auth: "too many failed authentications from this address",
};

/** Answers 429 with `Retry-After` (whole seconds, at least 1) in the surface's error format. */
export function sendTooManyRequests(
  request: FastifyRequest,
  reply: FastifyReply,
  limit: LimitName,
  waitMs: number,
  metrics: Metrics,
): FastifyReply {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  metrics.rateLimited.inc({ limit });
  const message = `${WHAT[limit]}: retry after ${seconds} s`;
  reply.header("retry-after", String(seconds));
  if (surfaceOfRequest(request) === "oauth") {
    // RFC 6749 defines no 429 code; temporarily_unavailable is the registered one that fits.
    return reply
      .header("cache-control", "no-store")
      .header("pragma", "no-cache")
      .status(429)
      .send({ error: "temporarily_unavailable", error_description: message });
  }
  const details = { limit, retryAfterSeconds: seconds };
  return sendError(reply, request, new TesseraError("rate_limited", message, { details }));
}

/** RFC 6749 2.3.1: Basic credentials are form-encoded first; a bad encoding is kept as sent. */
function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, " ")).slice(0, 128);
  } catch {
    return value.slice(0, 128);
  }
}

/** The client a request to /oauth/* speaks for: its client_id (Basic or form), or its bearer key's display start. */
export function oauthClientKey(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header === "string") {
    const basic = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header);
    if (basic) {
      const userId =
        Buffer.from(basic[1] as string, "base64")
          .toString("utf8")
          .split(":")[0] ?? "";
      return `client:${formDecode(userId)}`;
    }
    const bearer = /^Bearer +([^\s]+) *$/i.exec(header);
    if (bearer) return `key:${displayStart(bearer[1] as string)}`;
  }
  const body = request.body as Record<string, unknown> | null | undefined;
  const clientId = body && typeof body === "object" ? body.client_id : undefined;
  return typeof clientId === "string" && clientId.length > 0 ? `client:${clientId.slice(0, 128)}` : null;
}

/** Counts a call of an authenticated admin key; answers 429 (and returns true) when it is over its limit. */
export function limitAdminClient(
  limits: RateLimits,
  metrics: Metrics,
  request: FastifyRequest,
  reply: FastifyReply,
  keyId: string,
): boolean {
  const wait = limits.client.hit(`key:${keyId}`);
  if (wait === 0) return false;
  sendTooManyRequests(request, reply, "client", wait, metrics);
  return true;
}

/**
 * Hooks: refuse blocked or flooding addresses first (before any database work), then clients.
 * Written with `done` callbacks rather than async: they run on every request, and an async
 * hook costs Fastify a promise and a turn of the microtask queue each (5% of an introspection).
 */
export function rateLimitHooks(limits: RateLimits, metrics: Metrics) {
  return {
    onRequest(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
      if (surfaceOfRequest(request) !== null) {
        const blocked = limits.failedAuth.blockedFor(request.ip);
        if (blocked > 0) {
          sendTooManyRequests(request, reply, "failed_auth", blocked, metrics);
          return;
        }
        const wait = limits.address.hit(request.ip);
        if (wait > 0) {
          sendTooManyRequests(request, reply, "address", wait, metrics);
          return;
        }
      }
      done();
    },
    /** After the body is parsed: the OAuth client id may be a form parameter. */
    preHandler(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
      if (limits.client.enabled && surfaceOfRequest(request) === "oauth") {
        const client = oauthClientKey(request);
        const wait = client === null ? 0 : limits.client.hit(client);
        if (wait > 0) {
          sendTooManyRequests(request, reply, "client", wait, metrics);
          return;
        }
      }
      done();
    },
    /** Any 401 on a limited surface is a failed authentication of its address (counted before it is sent). */
    onSend<T>(request: FastifyRequest, reply: FastifyReply, payload: T, done: (error: null, payload: T) => void): void {
      if (reply.statusCode === 401 && surfaceOfRequest(request) !== null) limits.failedAuth.hit(request.ip);
      done(null, payload);
    },
  };
}
