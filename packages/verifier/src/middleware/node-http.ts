/**
 * node:http adapter.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { VerifiedCredential } from "../types.js";
import { checkOptions, decide, type TesseraMiddlewareOptions } from "./core.js";

/**
 * A node:http request after `tesseraNodeHttp` let it through: `req.tessera` is the credential.
 * @example
 * const handler = (req: TesseraIncomingMessage, res: ServerResponse) => res.end(req.tessera?.principalId);
 */
export type TesseraIncomingMessage = IncomingMessage & { tessera?: VerifiedCredential };

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * Creates an authenticator for plain node:http handlers. It answers refused requests itself
 * (401/403 with `WWW-Authenticate`, or 503 while the verifier is stale) and returns null;
 * for accepted ones it returns the credential and sets `req.tessera`.
 * @example
 * const authenticate = tesseraNodeHttp({ verifier, scopes: ["orders:read"] });
 * http.createServer(async (req, res) => {
 *   const credential = await authenticate(req, res);
 *   if (!credential) return;
 *   res.end(`hello ${credential.principalId}`);
 * });
 */
export function tesseraNodeHttp(options: TesseraMiddlewareOptions) {
  const checked = checkOptions(options, "tesseraNodeHttp");
  return async function tesseraNodeHttpAuthenticate(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<VerifiedCredential | null> {
    const decision = await decide(checked, {
      authorization: header(req.headers.authorization),
      dpop: header(req.headers.dpop),
      method: req.method ?? "GET",
      path: req.url ?? "/",
      host: header(req.headers.host),
      address: req.socket.remoteAddress ?? "",
      userAgent: header(req.headers["user-agent"]) ?? "",
    });
    if (decision.ok) {
      (req as TesseraIncomingMessage).tessera = decision.credential;
      return decision.credential;
    }
    res.writeHead(decision.status, {
      ...decision.headers,
      "content-type": "application/json",
      "cache-control": "no-store",
    });
    res.end(JSON.stringify(decision.body));
    return null;
  };
}
