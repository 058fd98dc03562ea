/**
 * The gateway's endpoints: `/auth` (forward-auth for NGINX, Traefik, Caddy, Envoy,
 * ingress-nginx), every other path proxied to the upstream when there is one, `/healthz` and
 * `/metrics`. Each handler is one step list: gather facts, find the requirement, decide,
 * count, answer.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { GatewayContext } from "./context.js";
import { type Decision, decide, presentedToken } from "./decide.js";
import { IDENTITY_PREFIX, identityHeaders } from "./identity-headers.js";
import { normalizePath } from "./path-pattern.js";
import { directFacts, forwardedFacts, type RequestFacts } from "./request-facts.js";

/** Outcomes whose usage record the presented token can attribute (canaries, known keys refused). */
const TOKEN_NAMED_OUTCOMES: ReadonlySet<string> = new Set(["unknown", "revoked", "suspended", "expired"]);

import type { Requirement } from "./rules.js";

const JSON_HEADERS = { "content-type": "application/json", "cache-control": "no-store" };

/** Routes one request to its handler. */
export function handleRequest(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? "/";
  const path = url.split("?", 1)[0];
  if (path === "/healthz") answerHealth(ctx, res);
  else if (path === "/metrics") answerMetrics(ctx, res).catch((error: Error) => answerFault(ctx, res, error));
  else if (ctx.upstream) proxyRequest(ctx, req, res);
  else if (path === "/auth" || path?.startsWith("/auth/")) forwardAuth(ctx, req, res);
  else res.writeHead(404, JSON_HEADERS).end(JSON.stringify({ error: "not_found", error_description: "see /auth" }));
}

/**
 * `/auth`: decides the original request a proxy describes; 200 with identity headers or a
 * refusal. Envoy's HTTP ext_authz appends the original path to its prefix: `/auth/orders/7`.
 */
function forwardAuth(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? "/auth";
  const appended = url.startsWith("/auth/") ? url.slice("/auth".length) : undefined;
  const facts = forwardedFacts(req, ctx.trustProxy, ctx.publicUrl, appended);
  const query = appended === undefined ? new URLSearchParams(url.split("?")[1] ?? "") : null;
  const decision = timedDecision(ctx, facts, forwardAuthRequirement(ctx, query, facts));
  if (decision.ok) {
    res.writeHead(200, {
      ...(decision.outcome === "ok" ? identityHeaders(decision.credential) : {}),
      "cache-control": "no-store",
      "content-length": "0",
    });
    res.end();
    return;
  }
  answerRefusal(res, decision);
}

/**
 * With a rules file, the rules decide and the auth URL's query is ignored: some proxies pass
 * the client's query string on, and a client must not choose its own requirement. Without
 * one, `?scope=a%20b` and `?audience=` (set in the proxy's configuration) add requirements to
 * "any valid credential"; whatever a client could add there only makes the check stricter.
 */
function forwardAuthRequirement(ctx: GatewayContext, query: URLSearchParams | null, facts: RequestFacts): Requirement {
  if (ctx.rules || !query) return ruleRequirement(ctx, facts);
  const scopes = [...new Set(query.getAll("scope").flatMap((scope) => scope.split(" ")))].filter((s) => s !== "");
  const audience = query.get("audience");
  return { kind: "credential", ...(scopes.length ? { scopes } : {}), ...(audience ? { audience } : {}) };
}

export function ruleRequirement(ctx: GatewayContext, facts: RequestFacts): Requirement {
  if (!ctx.rules) return { kind: "credential" };
  const path = normalizePath(facts.uri);
  return path === null ? { kind: "deny" } : ctx.rules.requirementFor(facts.method, path);
}

/** With `--upstream`: every request is decided by the rules file (never by its own query). */
function proxyRequest(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse): void {
  const facts = directFacts(req, ctx.trustProxy, ctx.publicUrl);
  const decision = timedDecision(ctx, facts, ruleRequirement(ctx, facts));
  if (!decision.ok) {
    answerRefusal(res, decision);
    return;
  }
  prepareForUpstream(ctx, req, decision);
  (ctx.upstream as NonNullable<GatewayContext["upstream"]>).web(req, res);
}

/** WebSocket upgrades: decided like any request, then carried by the proxy. */
export function handleUpgrade(ctx: GatewayContext, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  if (!ctx.upstream) {
    socket.destroy();
    return;
  }
  const facts = directFacts(req, ctx.trustProxy, ctx.publicUrl);
  const decision = timedDecision(ctx, facts, ruleRequirement(ctx, facts));
  if (!decision.ok) {
    const headers = Object.entries(decision.headers).map(([name, value]) => `${name}: ${value}\r\n`);
    const answer = `HTTP/1.1 ${decision.status} Refused\r\n${headers.join("")}connection: close\r\ncontent-length: 0\r\n\r\n`;
    // Close both directions once written: a client that keeps its side open must not hold the socket.
    socket.end(answer, () => socket.destroy());
    return;
  }
  prepareForUpstream(ctx, req, decision);
  ctx.upstream.ws(req, socket, head);
}

/** Identity headers in, forged ones and (optionally) the credential out. */
function prepareForUpstream(ctx: GatewayContext, req: IncomingMessage, decision: Extract<Decision, { ok: true }>) {
  for (const name of Object.keys(req.headers)) if (name.startsWith(IDENTITY_PREFIX)) delete req.headers[name];
  if (decision.outcome === "ok") Object.assign(req.headers, identityHeaders(decision.credential));
  if (ctx.stripCredential) {
    delete req.headers.authorization;
    delete req.headers.dpop;
  }
}

export function timedDecision(ctx: GatewayContext, facts: RequestFacts, requirement: Requirement): Decision {
  const started = process.hrtime.bigint();
  const decision = decide(ctx.decide, requirement, facts);
  ctx.metrics.decided(decision.outcome, Number(process.hrtime.bigint() - started) / 1e9);
  // Usage is about credentials: an anonymous route or a request no rule allows checked none.
  if (decision.outcome !== "anonymous" && decision.outcome !== "no_rule") {
    const credential = decision.ok && decision.outcome === "ok" ? decision.credential : null;
    ctx.verifier.recordUsage(
      {
        keyId: credential?.keyId ?? null,
        kind: credential?.kind ?? null,
        outcome: decision.outcome,
        route: normalizePath(facts.uri) ?? "",
        address: facts.address,
        userAgent: facts.userAgent,
      },
      // A canary answers `unknown`, and a revoked, suspended or expired key is refused by name: the
      // token lets the verifier report which key it was with these facts (it is never sent).
      TOKEN_NAMED_OUTCOMES.has(decision.outcome) ? presentedToken(facts.authorization) : undefined,
    );
  }
  return decision;
}

function answerRefusal(res: ServerResponse, decision: Extract<Decision, { ok: false }>): void {
  res.writeHead(decision.status, { ...decision.headers, ...JSON_HEADERS });
  res.end(JSON.stringify(decision.body));
}

function answerHealth(ctx: GatewayContext, res: ServerResponse): void {
  const status = ctx.verifier.status();
  res.writeHead(status.fresh ? 200 : 503, JSON_HEADERS);
  res.end(
    JSON.stringify({
      status: status.fresh ? "ok" : "stale",
      ready: status.ready,
      connected: status.connected,
      appliedSequence: status.appliedSequence,
      ageMs: status.ageMs,
      stalenessMs: ctx.verifier.stalenessMs,
    }),
  );
}

async function answerMetrics(ctx: GatewayContext, res: ServerResponse): Promise<void> {
  const body = await ctx.metrics.render();
  res.writeHead(200, { "content-type": ctx.metrics.registry.contentType }).end(body);
}

/** A fault is answered generically; its message (never a header) goes to the log. */
export function answerFault(ctx: GatewayContext, res: ServerResponse, error: Error): void {
  ctx.log("error", "request failed", { error: error.message });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(500, JSON_HEADERS);
  res.end(JSON.stringify({ error: "server_error", error_description: "the gateway failed to decide" }));
}
