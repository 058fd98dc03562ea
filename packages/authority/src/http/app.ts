/**
 * The authority's HTTP server: Fastify with a schema on every route, OpenAPI generated from
 * those schemas, one error shape, metrics, request ids, and logs that never carry a secret.
 */

import swagger from "@fastify/swagger";
import Fastify, { type FastifyInstance, type FastifyPluginCallback, type FastifyServerOptions } from "fastify";
import { createFailureAggregator } from "../audit/failure-aggregator.js";
import type { Authority } from "../authority.js";
import type { TrustProxy } from "../config/trust-proxy.js";
import { newId } from "../ids.js";
import { adminAuthHook } from "./auth.js";
import { clientErrorHandler, frameworkErrorHandler, installErrorHandlers } from "./error-handler.js";
import { createFastPaths, type FastPaths, fastPathsAllowed } from "./fast-paths.js";
import { quietHotRoutes } from "./hot-route-logging.js";
import { loggableUrl } from "./loggable-url.js";

import { createMetrics, type Metrics } from "./metrics.js";
import { rateLimitHooks } from "./rate-limit/hooks.js";
import { createRateLimits } from "./rate-limit/limits.js";
import type { RouteModule } from "./route.js";
import { routes as defaultRoutes } from "./routes/index.js";
import { createValidatorCompiler } from "./validation.js";

/** Addresses whose failed authentications are aggregated at once (past it they share one summary). */
const MAX_AUDITED_SOURCES = 10_000;

export interface AppOptions {
  /** Fastify logger options or `false`. Default: pino at the configured level. */
  logger?: FastifyServerOptions["logger"];
  /** Extra route modules (later capabilities register theirs here). */
  routes?: RouteModule[];
  /** Fastify plugins registered before the routes (tracing's span per request). */
  plugins?: FastifyPluginCallback[];
  /** Answer the plain introspection without Fastify's pipeline when allowed (default true; see fast-paths.ts). */
  fastPaths?: boolean;
}

/** Pino options shared by every logger of the authority: secrets are redacted by path too. */
export function loggerOptions(level: string) {
  return {
    level,
    redact: {
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        "req.headers.dpop",
        "*.secret",
        "*.token",
        "*.client_secret",
        "*.refresh_token",
      ],
      censor: "[redacted]",
    },
    serializers: {
      req(request: { method: string; url: string; ip?: string; id?: string }) {
        return { method: request.method, url: loggableUrl(request.url), ip: request.ip, id: request.id };
      },
    },
  };
}

/** A registered endpoint and the admin scopes it demands (none: public or self-authenticating). */
export interface RegisteredRoute {
  method: string;
  url: string;
  scopes: readonly string[] | undefined;
}

/** RFC 6749 / 7662 / 7009 endpoints take form-encoded bodies; a repeated parameter is refused. */
function registerFormParser(app: FastifyInstance): void {
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_request, body, done) => {
    const params = new URLSearchParams(body as string);
    const result: Record<string, string> = {};
    for (const key of new Set(params.keys())) {
      const values = params.getAll(key);
      // RFC 6749 3.1: parameters must not be included more than once.
      if (values.length > 1) {
        done(Object.assign(new Error(`parameter ${key} was sent more than once`), { statusCode: 400 }), undefined);
        return;
      }
      result[key] = values[0] as string;
    }
    done(null, result);
  });
}

/**
 * Rate limits and failure aggregation: limits run first (a blocked or flooding address costs
 * no key lookup), then admin authentication, which audits refusals through the aggregator.
 */
function installAbuseGuards(app: FastifyInstance, authority: Authority, metrics: Metrics) {
  const limits = createRateLimits(authority.config, authority.clock);
  const failures = createFailureAggregator({
    clock: authority.clock,
    windowMs: authority.config.authFailureAuditWindowMs,
    maxSources: MAX_AUDITED_SOURCES,
    writeSummary: authority.audit.recordFailureSummary,
    onError: (err) => app.log.error({ err }, "could not audit repeated failed authentications"),
  });
  failures.start();
  // Before the database closes (the authority closes after the app): open windows are written.
  app.addHook("onClose", () => failures.stop());
  const limitHooks = rateLimitHooks(limits, metrics);
  app.addHook("onRequest", limitHooks.onRequest);
  // Only on the routes that declare admin scopes (route hooks run after the limits above):
  // the OAuth endpoints and the public documents pay nothing for it.
  const requireAdminScopes = adminAuthHook({ authority, metrics, failures, limits });
  app.addHook("onRoute", (route) => {
    if (!route.config?.scopes) return;
    const own = route.onRequest === undefined ? [] : [route.onRequest].flat();
    route.onRequest = [...own, requireAdminScopes];
  });
  app.addHook("preHandler", limitHooks.preHandler);
  app.addHook("onSend", limitHooks.onSend);
  return { limits, failures };
}

/** A hop count as the function Fastify applies to it (its types take no number). */
function fastifyTrustProxy(value: TrustProxy): boolean | string | ((address: string, hop: number) => boolean) {
  return typeof value === "number" ? (_address, hop) => hop < value : value;
}

function createFastify(authority: Authority, options: AppOptions, fastPaths: FastPaths | undefined) {
  return Fastify({
    ...(fastPaths ? { serverFactory: fastPaths.serverFactory } : {}),
    logger: options.logger ?? loggerOptions(authority.config.logLevel),
    bodyLimit: authority.config.bodyLimitBytes,
    genReqId: () => newId("request"),
    // Request ids are ours: a client-chosen id could be used to confuse the audit trail.
    requestIdHeader: false,
    // Off unless TESSERA_TRUST_PROXY names the proxies whose X-Forwarded-For is believed.
    trustProxy: fastifyTrustProxy(authority.config.trustProxy),
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true },
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  });
}

export async function buildApp(
  authority: Authority,
  options: AppOptions = {},
): Promise<{
  app: FastifyInstance;
  metrics: Metrics;
  routes: RegisteredRoute[];
  /** Requests answered without Fastify's pipeline (fast-paths.ts); always 0 when they are off. */
  fastPathAnswers: () => number;
}> {
  const metrics = createMetrics(authority.tokenCounts);
  const tracing = (options.plugins ?? []).length > 0;
  const fastPaths =
    options.fastPaths !== false && fastPathsAllowed(authority.config, tracing) ? createFastPaths() : undefined;
  const app = createFastify(authority, options, fastPaths);
  for (const plugin of options.plugins ?? []) await app.register(plugin);
  app.setValidatorCompiler(createValidatorCompiler());
  quietHotRoutes(app, authority.config.logLevel, authority.config.hotRouteLogLevel);
  // JSON (and form-encoded on the OAuth endpoints) only: a text/plain body is refused with 415.
  app.removeContentTypeParser("text/plain");

  registerFormParser(app);

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Tessera authority",
        version: "0.1.0",
        description:
          "Issue, verify, revoke and audit API credentials. Admin endpoints take an admin key as a bearer token.",
      },
      servers: [{ url: authority.config.issuer }],
      components: {
        securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "A Tessera admin key (tsk_...)" } },
      },
    },
  });

  const registered: RegisteredRoute[] = [];
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) {
      if (method !== "HEAD") registered.push({ method, url: route.url, scopes: route.config?.scopes });
    }
  });
  installErrorHandlers(app);
  const { limits, failures } = installAbuseGuards(app, authority, metrics);
  // Callback hooks, not async: they run on every request (see rate-limit/hooks.ts).
  app.addHook("onResponse", (request, reply, done) => {
    metrics.observeRequest(
      request.routeOptions.url ?? "unmatched",
      request.method,
      reply.statusCode,
      reply.elapsedTime,
    );
    done();
  });
  app.addHook("onRequest", (request, reply, done) => {
    reply.header("x-request-id", request.id);
    done();
  });

  for (const route of [...defaultRoutes, ...(options.routes ?? [])]) {
    route(app, { authority, metrics, failures, limits });
  }
  fastPaths?.install({ app, authority, metrics, limits });
  authority.usage.start();
  authority.usageStore.start();
  authority.findings.start();
  authority.ssf.start();
  await app.ready();
  return { app, metrics, routes: registered, fastPathAnswers: () => fastPaths?.answered() ?? 0 };
}
