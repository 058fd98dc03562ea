import type { FastifyReply, FastifyRequest } from "fastify";
import { type DashboardFile, loadDashboard, locateDashboard } from "../dashboard-files.js";
import type { RouteModule } from "../route.js";

/**
 * The dashboard may run only its own files: no inline script, no eval, no other origin, not
 * framed. It talks to this authority's API only (connect-src 'self').
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

function send(request: FastifyRequest, reply: FastifyReply, file: DashboardFile) {
  reply
    .header("content-security-policy", DASHBOARD_CSP)
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "no-referrer")
    .header("x-frame-options", "DENY")
    .header("cross-origin-opener-policy", "same-origin")
    .header("cache-control", file.immutable ? "public, max-age=31536000, immutable" : "no-cache")
    .header("vary", "accept-encoding")
    .type(file.type);
  const acceptsGzip = /\bgzip\b/.test(String(request.headers["accept-encoding"] ?? ""));
  if (file.gzipped && acceptsGzip) return reply.header("content-encoding", "gzip").send(file.gzipped);
  return reply.send(file.body);
}

/**
 * GET /dashboard/*: the operator app's built files, and its index.html for any page path (the
 * app routes in the browser). Public: the files hold no data; the app asks for an admin key and
 * calls the admin API with it.
 */
export const dashboardRoute: RouteModule = (app, { authority }) => {
  const loaded = loadDashboard(locateDashboard(authority.config.dashboardDir));
  const handler = async (request: FastifyRequest<{ Params: { "*"?: string } }>, reply: FastifyReply) => {
    if (!loaded.ok) {
      return reply
        .code(404)
        .type("text/plain; charset=utf-8")
        .send(`Tessera dashboard unavailable: ${loaded.reason}.\n`);
    }
    const path = (request.params["*"] ?? "").replace(/^\/+/, "");
    const file = loaded.files.get(path);
    if (file && path !== "") return send(request, reply, file);
    // A missing asset is a 404 (a stale page asking for an old hash); any other path is a page.
    if (path.startsWith("assets/") || /\.[a-z0-9]+$/i.test(path)) {
      return reply.code(404).type("text/plain; charset=utf-8").send(`no such dashboard file: ${path}\n`);
    }
    return send(request, reply, loaded.files.get("index.html") as DashboardFile);
  };
  const schema = { hide: true };
  app.get("/dashboard", { schema }, handler);
  app.get("/dashboard/*", { schema }, handler);
};
