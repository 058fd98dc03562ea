/**
 * The reverse proxy to `--upstream`, built on http-proxy-3 (the maintained TypeScript
 * successor of node-http-proxy): it streams request and response bodies, carries WebSocket
 * upgrades, and applies the connect/response timeouts. The gateway only decides; this module
 * only forwards. A failed upstream answers 502 (504 on a timeout) with a fixed body: no
 * upstream detail and no request header is echoed or logged.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { createProxyServer } from "http-proxy-3";
import type { Logger } from "./log.js";
import { normalizePath } from "./path-pattern.js";

export interface Upstream {
  web(req: IncomingMessage, res: ServerResponse): void;
  ws(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): void;
}

export interface UpstreamOptions {
  target: string;
  /** Milliseconds to wait for the upstream's response headers. */
  timeoutMs: number;
  log: Logger;
  onError(code: string): void;
}

export function createUpstream(options: UpstreamOptions): Upstream {
  const proxy = createProxyServer({
    target: options.target,
    ws: true,
    xfwd: true,
    // The upstream's answer is bounded; the client's own pace is not (streams, WebSockets).
    proxyTimeout: options.timeoutMs,
  });
  proxy.on("error", (error, req, target) => {
    const code = (error as NodeJS.ErrnoException).code ?? "EPROXY";
    const timedOut = code === "ECONNRESET" && (req as IncomingMessage & { timedOut?: boolean }).timedOut === true;
    options.onError(timedOut ? "ETIMEDOUT" : code);
    options.log("warn", "upstream request failed", {
      code: timedOut ? "ETIMEDOUT" : code,
      method: req.method,
      path: normalizePath(req.url ?? "/") ?? "",
    });
    answerFailure(target, timedOut ? 504 : 502);
  });
  proxy.on("proxyReq", (proxyReq, req) => {
    proxyReq.on("timeout", () => {
      (req as IncomingMessage & { timedOut?: boolean }).timedOut = true;
    });
  });
  return {
    web: (req, res) => proxy.web(req, res),
    ws: (req, socket, head) => proxy.ws(req, socket, head),
    close: () => proxy.close(),
  };
}

function answerFailure(target: unknown, status: 502 | 504): void {
  const body = JSON.stringify(
    status === 504
      ? { error: "gateway_timeout", error_description: "the upstream did not answer in time" }
      : { error: "bad_gateway", error_description: "the upstream is unavailable" },
  );
  if (isResponse(target)) {
    if (target.headersSent) {
      target.destroy();
      return;
    }
    target.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
    target.end(body);
  } else if (target && typeof (target as Duplex).destroy === "function") {
    const socket = target as Duplex;
    if (socket.writable) socket.end(`HTTP/1.1 ${status} Bad Gateway\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    socket.destroy();
  }
}

function isResponse(target: unknown): target is ServerResponse {
  return typeof (target as ServerResponse | undefined)?.writeHead === "function";
}
