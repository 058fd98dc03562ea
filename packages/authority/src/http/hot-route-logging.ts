/**
 * The endpoints services call per request (introspection, token, revocation, verifier usage and
 * acks) log their per-request lines at `TESSERA_HOT_ROUTE_LOG_LEVEL` (default `warn`): at `info`
 * an introspection wrote two lines, about 400 bytes, per call (70 MB in 40 s under load) and
 * cost about a tenth of its throughput. Refusals are audited and counted in metrics either way,
 * and errors are still logged. Never more verbose than the authority's own level.
 */
import type { FastifyInstance, LogLevel } from "fastify";

/** Hot endpoints, by the URL they are registered with. */
export const HOT_ROUTES: ReadonlySet<string> = new Set([
  "/oauth/introspect",
  "/oauth/token",
  "/oauth/revoke",
  "/v1/verifiers/usage",
  "/v1/verifiers/acks",
]);

const SEVERITY: Record<string, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: 100,
};

/** Whether the hot routes log a line per request (Fastify logs requests at `info`). */
export function logsEveryRequest(appLevel: string, hotLevel: string): boolean {
  return (SEVERITY[stricterLevel(hotLevel, appLevel)] ?? 30) <= 30;
}

/** The stricter of two pino levels (an unknown level counts as `info`). */
export function stricterLevel(a: string, b: string): string {
  return (SEVERITY[a] ?? 30) >= (SEVERITY[b] ?? 30) ? a : b;
}

/** Registers the hook; call before the routes are registered. */
export function quietHotRoutes(app: FastifyInstance, appLevel: string, hotLevel: string): void {
  const level = stricterLevel(hotLevel, appLevel);
  if (level === appLevel) return;
  app.addHook("onRoute", (route) => {
    // Fastify gives an unset level as "" (or undefined); a route that chose its own keeps it.
    if (HOT_ROUTES.has(route.url) && !route.logLevel) route.logLevel = level as LogLevel;
  });
}
