/**
 * What a decision needs to know about the request it is about. For a forward-auth check that
 * is the original request a proxy describes in headers (`X-Original-*` from NGINX and
 * ingress-nginx, `X-Forwarded-*` from Traefik, Caddy and Envoy); for a proxied request it is
 * the request itself.
 * @module
 */
import type { IncomingMessage } from "node:http";
import proxyAddr from "proxy-addr";

export interface RequestFacts {
  method: string;
  /** Path and query of the original request as the client sent it. */
  uri: string;
  authorization: string | undefined;
  dpop: string | undefined;
  /** The client: the peer, or the address a trusted proxy forwarded. */
  address: string;
  userAgent: string;
  /** The public origin the client addressed (for DPoP `htu`), e.g. `https://api.example.com`. */
  origin: string;
}

/** Decides which peers may tell us the client address in `X-Forwarded-For`. */
export type TrustProxy = (address: string, hop: number) => boolean;

/** `loopback`, `10.0.0.0/8`, `::1`...; none trusted when the list is empty. */
export function compileTrustProxy(list: readonly string[]): TrustProxy {
  return proxyAddr.compile([...list]);
}

export const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** The client address: `X-Forwarded-For` is read only through peers in the trusted list. */
export function clientAddress(req: IncomingMessage, trust: TrustProxy): string {
  // Without the header there is nothing to believe or ignore: the peer is the client.
  if (req.headers["x-forwarded-for"] === undefined) return req.socket.remoteAddress ?? "";
  return proxyAddr(req, trust);
}

/** Facts of the original request behind a forward-auth check. */
export function forwardedFacts(
  req: IncomingMessage,
  trust: TrustProxy,
  publicUrl: string | undefined,
  /** The original path and query when the proxy appended them to the auth URL (Envoy). */
  appendedUri?: string,
): RequestFacts {
  const trusted = trust(req.socket.remoteAddress ?? "", 0);
  const method = header(req, "x-original-method") ?? header(req, "x-forwarded-method") ?? req.method ?? "GET";
  const uri = originalUri(req) ?? appendedUri ?? "/";
  const proto = (trusted && header(req, "x-forwarded-proto")) || "http";
  const host = (trusted && header(req, "x-forwarded-host")) || header(req, "host") || "localhost";
  return {
    method: method.toUpperCase(),
    uri,
    authorization: header(req, "authorization"),
    dpop: header(req, "dpop"),
    address: clientAddress(req, trust),
    userAgent: header(req, "user-agent") ?? "",
    origin: publicUrl ?? `${proto}://${host}`,
  };
}

function originalUri(req: IncomingMessage): string | undefined {
  const original = header(req, "x-original-uri") ?? header(req, "x-forwarded-uri");
  if (original !== undefined) return original;
  // ingress-nginx and some NGINX set-ups send the full original URL instead.
  const url = header(req, "x-original-url");
  if (url === undefined) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.pathname + parsed.search;
  } catch {
    return url;
  }
}

/** Facts of a request the gateway proxies itself. */
export function directFacts(req: IncomingMessage, trust: TrustProxy, publicUrl: string | undefined): RequestFacts {
  const trusted = trust(req.socket.remoteAddress ?? "", 0);
  const proto = (trusted && header(req, "x-forwarded-proto")) || "http";
  return {
    method: (req.method ?? "GET").toUpperCase(),
    uri: req.url ?? "/",
    authorization: header(req, "authorization"),
    dpop: header(req, "dpop"),
    address: clientAddress(req, trust),
    userAgent: header(req, "user-agent") ?? "",
    origin: publicUrl ?? `${proto}://${header(req, "host") ?? "localhost"}`,
  };
}
