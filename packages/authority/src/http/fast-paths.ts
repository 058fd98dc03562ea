/**
 * The server in front of Fastify's handler, so that the plain introspection request can be
 * answered without Fastify's pipeline (see fast-introspection.ts). Fastify builds its server
 * itself unless given a factory; this one applies the same timeouts Fastify applies to its own.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { FastifyServerFactory } from "fastify";
import type { TesseraConfig } from "../config.js";
import { createFastIntrospection, type FastIntrospectionDeps } from "./fast-introspection.js";
import { logsEveryRequest } from "./hot-route-logging.js";

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Whether the fast paths may answer: nothing else must need to see the request (no tracing
 * plugin, no trusted proxy rewriting the client's address, no per-request log line).
 */
export function fastPathsAllowed(config: TesseraConfig, tracing: boolean): boolean {
  return !tracing && config.trustProxy === false && !logsEveryRequest(config.logLevel, config.hotRouteLogLevel);
}

export function createFastPaths() {
  let fastify: Listener | undefined;
  let listener: Listener | undefined;
  let answered = () => 0;
  let closing = false;
  const serverFactory: FastifyServerFactory = (handler, options) => {
    fastify = handler as Listener;
    const server = createServer((req, res) => (listener ?? (handler as Listener))(req, res));
    const opts = options as {
      keepAliveTimeout?: number;
      requestTimeout?: number;
      connectionTimeout?: number;
      maxRequestsPerSocket?: number;
    };
    if (opts.keepAliveTimeout !== undefined) server.keepAliveTimeout = opts.keepAliveTimeout;
    if (opts.requestTimeout !== undefined) server.requestTimeout = opts.requestTimeout;
    server.setTimeout(opts.connectionTimeout ?? 0);
    if ((opts.maxRequestsPerSocket ?? 0) > 0) server.maxRequestsPerSocket = opts.maxRequestsPerSocket as number;
    return server;
  };
  return {
    serverFactory,
    /** Requests the fast paths answered themselves (tests tell them from those Fastify answered). */
    answered: () => answered(),
    /** Puts the fast paths in front of Fastify's handler, once the services they call exist. */
    install(deps: Omit<FastIntrospectionDeps, "closing">): void {
      if (!fastify) throw new Error("the fast paths need the server their factory made");
      const introspection = createFastIntrospection({ ...deps, closing: () => closing }, fastify);
      listener = introspection.handle;
      answered = introspection.answered;
      deps.app.addHook("preClose", (done) => {
        closing = true;
        done();
      });
    },
  };
}

export type FastPaths = ReturnType<typeof createFastPaths>;
