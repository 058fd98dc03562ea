/**
 * `createGateway`: a verifier replica fed by the authority, and one HTTP server that answers
 * forward-auth checks or proxies to an upstream, deciding every request locally.
 * @module
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { createVerifier, type Verifier } from "@tessera/verifier";
import type { GatewayContext } from "./context.js";
import { startExtAuthzServer } from "./ext-authz-grpc.js";
import { answerFault, handleRequest, handleUpgrade } from "./handlers.js";
import { type Logger, silentLogger } from "./log.js";
import { createGatewayMetrics, type GatewayMetrics } from "./metrics.js";
import { createUpstream } from "./proxy.js";
import { compileTrustProxy } from "./request-facts.js";
import type { Rules } from "./rules.js";

export interface GatewayOptions {
  /** The authority's base URL. */
  url: string;
  /** A key holding `feed:read` (`TESSERA_FEED_KEY`). */
  credential: string;
  /** Where to listen (default 127.0.0.1, port 0 picks a free one). */
  host?: string;
  port?: number;
  /** Proxy every request to this URL after checking it; without it, forward-auth at `/auth`. */
  upstream?: string;
  /** Parsed rules (see `loadRules`); without them any valid credential passes. */
  rules?: Rules | null;
  /** How long the replica is trusted without news from the authority (default `5s`). */
  staleness?: number | string;
  /** Peers whose `X-Forwarded-For` / `X-Forwarded-Proto` / `X-Forwarded-Host` are believed. */
  trustProxy?: readonly string[];
  /** Remove `Authorization` and `DPoP` before proxying (the upstream sees the identity headers only). */
  stripCredential?: boolean;
  /** Milliseconds to wait for the upstream (default 30 s). */
  upstreamTimeoutMs?: number;
  /** The public base URL clients use, for DPoP `htu` checks (default from the request). */
  publicUrl?: string;
  /** How the authority lists this gateway (default `tessera-gateway`). */
  name?: string;
  /** `realm` of `WWW-Authenticate` answers (default `tessera`). */
  realm?: string;
  log?: Logger;
  /** Also serve Envoy's gRPC `ext_authz` (`envoy.service.auth.v3.Authorization/Check`) here. */
  grpc?: { host: string; port: number };
  /** A verifier to use instead of creating one (embedding, tests). */
  verifier?: Verifier;
}

export interface RunningGateway {
  /** `http://host:port` of the listening server. */
  url: string;
  server: Server;
  verifier: Verifier;
  metrics: GatewayMetrics;
  /** `host:port` of the gRPC ext_authz server, when one was asked for. */
  grpcAddress?: string;
  close(): Promise<void>;
}

/** Starts a gateway; resolves once it listens (the replica loads in the background: see `/healthz`). */
export async function createGateway(options: GatewayOptions): Promise<RunningGateway> {
  checkOptions(options);
  const log = options.log ?? silentLogger;
  const verifier =
    options.verifier ??
    createVerifier({
      url: options.url,
      credential: options.credential,
      name: options.name ?? "tessera-gateway",
      staleness: options.staleness ?? "5s",
      onError: (error) => log("warn", "authority feed", { error: error.message }),
    });
  const metrics = createGatewayMetrics(() => verifier.status());
  const ctx: GatewayContext = {
    verifier,
    decide: { verifier, realm: options.realm ?? "tessera", seenProofs: new Map() },
    rules: options.rules ?? null,
    upstream: options.upstream
      ? createUpstream({
          target: options.upstream,
          timeoutMs: options.upstreamTimeoutMs ?? 30_000,
          log,
          onError: (code) => metrics.upstreamError(code),
        })
      : null,
    stripCredential: options.stripCredential === true,
    trustProxy: compileTrustProxy(options.trustProxy ?? []),
    publicUrl: options.publicUrl,
    metrics,
    log,
  };
  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    try {
      handleRequest(ctx, req, res);
    } catch (error) {
      answerFault(ctx, res, error as Error);
    }
  });
  // Upgraded connections leave the HTTP server's bookkeeping: tracked here to end them on close.
  const upgraded = new Set<Duplex>();
  server.on("upgrade", (req, socket, head) => {
    upgraded.add(socket);
    socket.once("close", () => upgraded.delete(socket));
    try {
      handleUpgrade(ctx, req, socket, head);
    } catch {
      socket.destroy();
    }
  });
  await listen(server, options.host ?? "127.0.0.1", options.port ?? 0);
  const grpc = options.grpc ? await startExtAuthzServer(ctx, options.grpc.host, options.grpc.port) : null;
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    server,
    verifier,
    metrics,
    ...(grpc ? { grpcAddress: grpc.address } : {}),
    async close() {
      // Requests in flight may finish (up to 5 s); idle keep-alive connections end now.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      for (const socket of upgraded) socket.destroy();
      const drain = setTimeout(() => server.closeAllConnections(), 5000);
      await Promise.all([closed, grpc?.close()]);
      clearTimeout(drain);
      ctx.upstream?.close();
      if (!options.verifier) await verifier.close();
    },
  };
}

function checkOptions(options: GatewayOptions): void {
  if (!options.verifier) {
    new URL(options.url);
    if (typeof options.credential !== "string" || options.credential === "") {
      throw new TypeError("createGateway: a feed credential is required (TESSERA_FEED_KEY)");
    }
  }
  if (options.upstream !== undefined) {
    const upstream = new URL(options.upstream);
    if (upstream.protocol !== "http:" && upstream.protocol !== "https:") {
      throw new TypeError("createGateway: upstream must be an http:// or https:// URL");
    }
  }
  if (options.publicUrl !== undefined) new URL(options.publicUrl);
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
