/**
 * Admin authentication: `Authorization: Bearer <Tessera key>`, the key's scopes checked
 * against the scopes the route declares. Every refusal is counted in metrics; the first of an
 * address in a window is audited with its reason, the caller's address and the key's display
 * start (never the secret), later ones in one summary record (audit/failure-aggregator.ts).
 * An authenticated key is then held to its per-client rate limit.
 *
 * No constant-time comparison is needed here: the secret is never compared, it is hashed
 * and the hash looked up, so response time does not depend on how much of a guess was right.
 */
import { displayStart } from "@tessera/verifier";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { FailureAggregator } from "../audit/failure-aggregator.js";
import type { AuthFailure } from "../audit/service.js";
import type { Authority } from "../authority.js";
import type { Actor } from "../domain/actor.js";
import { TesseraError } from "../errors.js";
import type { Metrics } from "./metrics.js";
import { limitAdminClient } from "./rate-limit/hooks.js";
import type { RateLimits } from "./rate-limit/limits.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The authenticated caller, on routes that require one. */
    actor?: Actor;
  }
  interface FastifyContextConfig {
    /** Admin scopes the caller's key must hold. Absent: the route is public. */
    scopes?: readonly string[];
  }
}

/** Reads a bearer token from the Authorization header; null when absent or not bearer. */
export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== "string") return null;
  const match = /^Bearer +([^\s]+) *$/i.exec(header);
  return match ? (match[1] as string) : null;
}

export type AuthResult = { ok: true; actor: Actor } | { ok: false; failure: AuthFailure; error: TesseraError };

/**
 * A canary key presented to the admin API: answered as unknown (by the caller), reported here
 * in the background like a verifier's report, with the request's address, user agent and route.
 */
function reportCanary(authority: Authority, keyId: string, request: FastifyRequest): void {
  const userAgent = request.headers["user-agent"];
  const report = {
    keyId,
    route: (request.routeOptions.url ?? "unknown").slice(0, 256),
    address: request.ip.slice(0, 64),
    userAgent: (typeof userAgent === "string" ? userAgent : "").slice(0, 256),
    count: 1,
    lastAt: authority.clock.now(),
  };
  authority.canaries.onUse([report], "authority").catch(() => undefined);
}

/**
 * Refusals whose reason the answer may name: the caller holds a real key, and telling it that the
 * key was revoked or expired is what sends an operator to fetch a new one (the dashboard shows it).
 */
const SAYABLE_REASONS = new Set(["revoked", "expired", "suspended", "principal_disabled"]);

/** Authenticates the request's bearer key and checks it holds every scope in `required`. */
export async function authenticateAdmin(
  authority: Authority,
  request: FastifyRequest,
  required: readonly string[],
): Promise<AuthResult> {
  const route = request.routeOptions.url ?? "unknown";
  const base = { route, ip: request.ip, requestId: request.id };
  const token = bearerToken(request);
  const refuse = (failure: AuthFailure, code: "unauthenticated" | "forbidden", message: string): AuthResult => ({
    ok: false,
    failure,
    error: new TesseraError(
      code,
      message,
      failure.missingScopes
        ? { details: { missingScopes: failure.missingScopes } }
        : SAYABLE_REASONS.has(failure.reason)
          ? { details: { reason: failure.reason } }
          : {},
    ),
  });
  if (token === null) {
    return refuse(
      { ...base, reason: "missing" },
      "unauthenticated",
      "send an admin key as Authorization: Bearer <key>",
    );
  }
  const found = await authority.lookupKey(token);
  if (!found.found) {
    if (found.canary) reportCanary(authority, found.canary.keyId, request);
    const failure: AuthFailure = { ...base, reason: found.reason };
    if (found.reason === "unknown") failure.start = displayStart(token);
    return refuse(failure, "unauthenticated", "the admin key is not valid");
  }
  const { key } = found;
  const known = { ...base, keyId: key.id, start: key.start };
  if (!found.usable) {
    const reason =
      found.principalStatus !== "active"
        ? "principal_disabled"
        : found.state === "expired" || found.state === "suspended"
          ? found.state
          : "revoked";
    return refuse({ ...known, reason }, "unauthenticated", "the admin key is not valid");
  }
  const scopes = new Set(JSON.parse(key.scopes) as string[]);
  const missing = required.filter((s) => !scopes.has(s));
  if (missing.length > 0) {
    return refuse(
      { ...known, reason: "insufficient_scope", missingScopes: missing },
      "forbidden",
      `this key lacks the scope${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`,
    );
  }
  authority.usage.record(key.id);
  return { ok: true, actor: { id: key.principal_id, keyId: key.id, scopes, requestId: request.id } };
}

/** What authentication needs besides the authority: metrics, failure aggregation, rate limits. */
export interface AuthDeps {
  authority: Authority;
  metrics: Metrics;
  failures: FailureAggregator;
  limits: RateLimits;
}

/**
 * Counts a refusal and audits it: the first of its address in the window gets its own record
 * now, later ones are counted into the window's summary. The refusal stands if auditing fails.
 */
export async function auditAuthFailure(
  deps: Omit<AuthDeps, "limits">,
  request: FastifyRequest,
  failure: AuthFailure,
): Promise<void> {
  deps.metrics.authFailures.inc({ reason: failure.reason });
  try {
    const credential = failure.keyId ?? failure.start;
    const event = { action: "auth.failed", ip: failure.ip, route: failure.route, reason: failure.reason };
    const first = await deps.failures.report(credential === undefined ? event : { ...event, credential });
    if (first) await deps.authority.audit.recordAuthFailure(failure);
  } catch (err) {
    request.log.error({ err }, "could not audit a failed admin authentication");
  }
}

/** onRequest hook: authenticates routes that declare scopes, before their body is read. */
export function adminAuthHook(deps: AuthDeps) {
  return async function requireAdminScopes(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply | undefined> {
    const required = request.routeOptions.config?.scopes;
    if (!required) return undefined;
    const result = await authenticateAdmin(deps.authority, request, required);
    if (result.ok) {
      request.actor = result.actor;
      const keyId = result.actor.keyId;
      // Answered 429 already: returning the reply stops the request here.
      if (keyId && limitAdminClient(deps.limits, deps.metrics, request, reply, keyId)) return reply;
      return undefined;
    }
    await auditAuthFailure(deps, request, result.failure);
    throw result.error;
  };
}

/** The authenticated actor of a route that declared scopes. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new TesseraError("unauthenticated", "this route requires an admin key");
  return request.actor;
}
