/**
 * POST /v1/verifiers/acks/stream: one long-lived request per verifier that carries its acks as
 * they happen, instead of an HTTP request per ack.
 *
 * Why: every change reaches every verifier, and every verifier acks it, so with a request per
 * ack the authority handled (routing, authentication, parsing) as many requests per change as
 * there are verifiers, and each verifier paid a request per change too. A hundred verifiers
 * acking one revocation took the authority's event loop for tens of milliseconds, which was
 * the slow tail of revocation propagation. On the stream an ack is a line of a few bytes.
 *
 * Protocol (docs/events.md): the request body is a chunked stream of lines, each the decimal
 * sequence number the verifier has applied. The authority answers 200 at once and, after each
 * chunk of lines it has recorded, writes `ok <sequence>` (the highest recorded so far). A line
 * that is not a sequence number ends the stream with `error <message>`. The verifier treats an
 * ack as delivered only when `ok` comes back, and falls back to POST /v1/verifiers/acks when it
 * does not (a proxy that buffers request bodies, say).
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import { type Static, Type } from "@sinclair/typebox";
import { ACK_STREAM_CONTENT_TYPE } from "@tessera/verifier/wire";
import type { FastifyInstance } from "fastify";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";
import { VerifierInstance } from "./feed.js";

/** Longer than any sequence number: a line this long is not one. */
const MAX_LINE = 20;

const Query = Type.Object({ instance: VerifierInstance });

/**
 * Reads the body's lines as they arrive, records each ack and confirms after each chunk;
 * resolves when the stream ends. `open` holds the stream's end while it lasts (for shutdown).
 */
function serveAckStream(
  req: IncomingMessage,
  res: ServerResponse,
  open: Set<() => void>,
  ack: (sequence: number) => void,
): Promise<void> {
  let pending = "";
  let highest = -1;
  let ended = false;
  const end = (line?: string) => {
    if (ended) return;
    ended = true;
    open.delete(end);
    res.end(line === undefined ? undefined : `${line}\n`);
    // Stop reading a body nobody will answer; the connection closes with the response.
    req.destroy();
  };
  open.add(end);
  return new Promise<void>((resolve) => {
    res.on("close", () => {
      ended = true;
      open.delete(end);
      resolve();
    });
    req.on("error", () => end());
    req.on("end", () => end());
    req.setEncoding("latin1");
    req.on("data", (chunk: string) => {
      if (ended) return;
      pending += chunk;
      let start = 0;
      for (let at = pending.indexOf("\n"); at !== -1; at = pending.indexOf("\n", start)) {
        const line = pending.slice(start, at).trim();
        start = at + 1;
        if (line === "") continue;
        if (!/^\d{1,15}$/.test(line)) return end("error each line must be a sequence number");
        const sequence = Number(line);
        if (sequence > highest) highest = sequence;
        ack(sequence);
      }
      pending = pending.slice(start);
      if (pending.length > MAX_LINE) return end("error each line must be a sequence number");
      // One confirmation per chunk read: the verifier counts an ack as delivered from here.
      if (highest >= 0) res.write(`ok ${highest}\n`);
    });
  });
}

/** Answers 200 at once: the stream's confirmations follow as the body is read. */
function startResponse(res: ServerResponse, requestId: string): void {
  res.writeHead(200, {
    "content-type": "text/plain; charset=utf-8",
    "cache-control": "no-store",
    "x-accel-buffering": "no",
    "x-request-id": requestId,
  });
  res.socket?.setNoDelay(true);
  res.socket?.setTimeout(0);
}

const schema = {
  summary: "Stream applied sequences (one line each)",
  description: `A long-lived request whose body (${ACK_STREAM_CONTENT_TYPE}) carries one applied sequence number per line; the response carries \`ok <sequence>\` lines as they are recorded. See docs/events.md.`,
  tags: ["feed"],
  security: [{ bearer: [] }],
  querystring: Query,
  response: adminErrors,
};

export const verifierAckStreamRoute: RouteModule = (app, { authority }) => {
  const open = new Set<() => void>();
  app.addHook("preClose", (done) => {
    // Ack streams never end on their own: end them so the server can close.
    for (const end of [...open]) end();
    done();
  });
  // Its own content type, parsed by nobody: the handler reads the body as it arrives. Registered
  // in a child context so that the rest of the API keeps refusing bodies it does not parse.
  void app.register(async (child: FastifyInstance) => {
    child.addContentTypeParser(ACK_STREAM_CONTENT_TYPE, (_request, _payload, done) => done(null, undefined));
    child.post<{ Querystring: Static<typeof Query> }>(
      "/v1/verifiers/acks/stream",
      { config: { scopes: ["feed:read"] }, schema },
      async (request, reply) => {
        const verifierId = request.query.instance;
        reply.hijack();
        startResponse(reply.raw, request.id);
        await serveAckStream(request.raw, reply.raw, open, (sequence) =>
          authority.feed.registry.ack(verifierId, sequence),
        );
      },
    );
  });
};
