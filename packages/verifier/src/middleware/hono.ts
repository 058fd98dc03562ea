/**
 * Hono adapter. No dependency on hono: the types are structural.
 * @module
 */
import type { VerifiedCredential } from "../types.js";
import { checkOptions, decide, type TesseraMiddlewareOptions } from "./core.js";

interface HonoContextLike {
  req: { header(name: string): string | undefined; method: string; url: string; path: string };
  set(key: "tessera", value: VerifiedCredential): void;
  json(body: unknown, status?: number, headers?: Record<string, string>): Response;
}

/**
 * Creates Hono middleware that verifies the request's credential and sets `c.get("tessera")`.
 * Hono does not expose the client address portably: pass `address` to read it (e.g. from
 * `getConnInfo` of your runtime adapter) for usage reports.
 * @example
 * app.get("/orders", tesseraHono({ verifier, scopes: ["orders:read"] }), (c) => c.json({ principal: c.get("tessera").principalId }));
 */
export function tesseraHono(options: TesseraMiddlewareOptions & { address?: (c: HonoContextLike) => string }) {
  const checked = checkOptions(options, "tesseraHono");
  const address = options.address;
  return async function tesseraHonoMiddleware(
    c: HonoContextLike,
    next: () => Promise<void>,
  ): Promise<Response | undefined> {
    const url = new URL(c.req.url);
    const decision = await decide(
      { ...checked, publicUrl: checked.publicUrl ?? url.origin },
      {
        authorization: c.req.header("authorization"),
        dpop: c.req.header("dpop"),
        method: c.req.method,
        path: url.pathname + url.search,
        host: url.host,
        address: address ? address(c) : "",
        userAgent: c.req.header("user-agent") ?? "",
      },
    );
    if (decision.ok) {
      c.set("tessera", decision.credential);
      await next();
      return undefined;
    }
    return c.json(decision.body, decision.status, { ...decision.headers, "cache-control": "no-store" });
  };
}
