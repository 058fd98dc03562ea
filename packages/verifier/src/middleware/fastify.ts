/**
 * Fastify adapter: a `preHandler` hook. No dependency on fastify: the types are structural.
 * @module
 */
import type { VerifiedCredential } from "../types.js";
import { checkOptions, decide, type TesseraMiddlewareOptions } from "./core.js";

interface FastifyRequestLike {
  headers: Record<string, string | string[] | undefined>;
  method: string;
  url: string;
  ip: string;
  routeOptions?: { url?: string };
  tessera?: VerifiedCredential;
}

interface FastifyReplyLike {
  code(status: number): FastifyReplyLike;
  headers(values: Record<string, string>): FastifyReplyLike;
  send(body: unknown): unknown;
}

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * Creates a Fastify `preHandler` hook that verifies the request's credential and sets
 * `request.tessera` (declare it with `app.decorateRequest("tessera", null)` for speed).
 * @example
 * app.get("/orders", { preHandler: tesseraFastify({ verifier, scopes: ["orders:read"] }) }, async (request) => {
 *   return { principal: request.tessera.principalId };
 * });
 */
export function tesseraFastify(options: TesseraMiddlewareOptions) {
  const checked = checkOptions(options, "tesseraFastify");
  return async function tesseraFastifyHook(request: FastifyRequestLike, reply: FastifyReplyLike): Promise<void> {
    const decision = await decide(checked, {
      authorization: header(request.headers.authorization),
      dpop: header(request.headers.dpop),
      method: request.method,
      path: request.url,
      host: header(request.headers.host),
      address: request.ip,
      userAgent: header(request.headers["user-agent"]) ?? "",
    });
    if (decision.ok) {
      request.tessera = decision.credential;
      return;
    }
    await reply
      .code(decision.status)
      .headers({ ...decision.headers, "cache-control": "no-store" })
      .send(decision.body);
  };
}
