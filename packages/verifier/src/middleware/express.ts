/**
 * Express adapter (Express 4 and 5). No dependency on express: the types are structural.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { VerifiedCredential } from "../types.js";
import { checkOptions, decide, type TesseraMiddlewareOptions } from "./core.js";

interface ExpressRequestLike extends IncomingMessage {
  tessera?: VerifiedCredential;
  originalUrl?: string;
  ip?: string;
  route?: { path?: unknown };
}

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * Creates Express middleware that verifies the request's credential and sets `req.tessera`.
 * @example
 * app.get("/orders", tesseraExpress({ verifier, scopes: ["orders:read"] }), (req, res) => {
 *   res.json({ principal: req.tessera.principalId });
 * });
 */
export function tesseraExpress(options: TesseraMiddlewareOptions) {
  const checked = checkOptions(options, "tesseraExpress");
  return function tesseraExpressMiddleware(
    req: ExpressRequestLike,
    res: ServerResponse,
    next: (error?: unknown) => void,
  ): void {
    decide(checked, {
      authorization: header(req.headers.authorization),
      dpop: header(req.headers.dpop),
      method: req.method ?? "GET",
      path: req.originalUrl ?? req.url ?? "/",
      host: header(req.headers.host),
      address: req.ip ?? req.socket.remoteAddress ?? "",
      userAgent: header(req.headers["user-agent"]) ?? "",
    }).then((decision) => {
      if (decision.ok) {
        req.tessera = decision.credential;
        next();
        return;
      }
      res.writeHead(decision.status, {
        ...decision.headers,
        "content-type": "application/json",
        "cache-control": "no-store",
      });
      res.end(JSON.stringify(decision.body));
    }, next);
  };
}
