/**
 * A short path for the commonest request the authority answers: a resource server introspecting
 * a token with its own client_secret_basic credentials. Fastify's pipeline (routing, hooks,
 * content-type parsing, validation, serialization) cost about half of each such request; this
 * path answers it straight from the server's request event with the same services, limits,
 * metrics, usage records and headers, and hands everything else to Fastify:
 *   - before reading the body, anything unusual (another route, another content type, no Basic
 *     credentials, DPoP, a chunked or large body, an address or client being limited, the
 *     server closing) goes to Fastify's handler untouched;
 *   - after reading it, anything but a plain `token` (with at most `token_type_hint`) from a
 *     client that authenticates, and any fault, is replayed through Fastify (`inject`, with the
 *     client's address), which answers, audits and counts it exactly as it always does.
 * It is on only when nothing else needs to see the request: no tracing, no trusted proxy (the
 * client address is the socket's), and no per-request log lines on the hot routes.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import type { Authority } from "../authority.js";
import { newId } from "../ids.js";
import type { Metrics } from "./metrics.js";
import type { RateLimits } from "./rate-limit/limits.js";

const PATH = "/oauth/introspect";
const FORM = "application/x-www-form-urlencoded";
/** Far above a token's size: anything longer is not the plain request this path is for. */
const MAX_BODY_BYTES = 9_000;
const BASIC = /^Basic +([A-Za-z0-9+/=]{1,2048}) *$/i;

export interface FastIntrospectionDeps {
  app: FastifyInstance;
  authority: Authority;
  metrics: Metrics;
  limits: RateLimits;
  /** True once the server is closing: Fastify then answers 503 as it does for every route. */
  closing(): boolean;
}

/** The Basic credentials' client id (form-decoded as RFC 6749 2.3.1 says), or null. */
function basicClientId(header: string): string | null {
  const match = BASIC.exec(header);
  if (!match) return null;
  const decoded = Buffer.from(match[1] as string, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0) return null;
  try {
    return decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, " "));
  } catch {
    return null;
  }
}

/** The token of a body holding exactly `token` (and perhaps `token_type_hint`) once each; else null. */
function plainToken(body: string): string | null {
  const params = new URLSearchParams(body);
  let token: string | null = null;
  let count = 0;
  for (const [name, value] of params) {
    count++;
    if (name === "token" && token === null) token = value;
    else if (name !== "token_type_hint" || count > 2) return null;
  }
  if (token === null || token.length > 8192 || params.getAll("token_type_hint").length > 1) return null;
  return token;
}

/** Whether the request is the plain case, judged from its head alone. */
function plainHead(req: IncomingMessage): boolean {
  const { headers } = req;
  const length = Number(headers["content-length"]);
  return (
    req.method === "POST" &&
    req.url === PATH &&
    headers["content-type"] === FORM &&
    typeof headers.authorization === "string" &&
    headers.dpop === undefined &&
    headers["transfer-encoding"] === undefined &&
    length > 0 &&
    length <= MAX_BODY_BYTES
  );
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Replays a request whose body was read through Fastify, and copies its answer to `res`. */
async function replay(app: FastifyInstance, req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
  const answer = await app.inject({
    method: "POST",
    url: PATH,
    headers: req.headers,
    payload: body,
    remoteAddress: req.socket.remoteAddress ?? "",
  });
  const headers = { ...answer.headers };
  // The connection is the client's own, not the injected one's.
  delete headers.connection;
  delete headers["keep-alive"];
  delete headers["transfer-encoding"];
  res.writeHead(answer.statusCode, headers);
  res.end(answer.rawPayload);
}

/**
 * The server's request handler in front of Fastify's: answers the plain introspection itself,
 * everything else through `fastify` (the handler Fastify gave its server factory).
 */
export function createFastIntrospection(
  deps: FastIntrospectionDeps,
  fastify: (req: IncomingMessage, res: ServerResponse) => void,
) {
  const { app, authority, metrics, limits } = deps;
  let answered = 0;

  async function answer(req: IncomingMessage, res: ServerResponse, started: number, ip: string): Promise<void> {
    const body = await readBody(req);
    const token = plainToken(body);
    let client: { id: string } | undefined;
    if (token !== null) {
      const facts = { authorization: req.headers.authorization };
      client = await authority.oauth.authenticateClient(facts, {}).then(
        (authenticated) => authenticated.client,
        () => undefined,
      );
    }
    // Counted once, here, for a request answered here; one that is not goes through Fastify's own counting.
    if (token === null || !client || limits.address.hit(ip) > 0 || limits.client.hit(`client:${client.id}`) > 0) {
      await replay(app, req, res, body);
      return;
    }
    let introspected: Awaited<ReturnType<Authority["introspect"]>>;
    try {
      introspected = await authority.introspect(token, { clientId: client.id });
    } catch {
      // Fastify's error handler answers a fault in its usual shape, and logs it.
      await replay(app, req, res, body);
      return;
    }
    const { response, outcome } = introspected;
    metrics.introspections.inc({ outcome });
    const json = JSON.stringify(response);
    res.writeHead(200, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(json),
      "cache-control": "no-store",
      pragma: "no-cache",
      "x-request-id": newId("request"),
    });
    res.end(json);
    answered++;
    metrics.observeRequest(PATH, "POST", 200, performance.now() - started);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    if (!plainHead(req) || deps.closing()) {
      fastify(req, res);
      return;
    }
    const ip = req.socket.remoteAddress ?? "";
    const clientId = basicClientId(req.headers.authorization as string);
    if (
      clientId === null ||
      limits.failedAuth.blockedFor(ip) > 0 ||
      limits.address.blockedFor(ip) > 0 ||
      limits.client.blockedFor(`client:${clientId}`) > 0
    ) {
      fastify(req, res);
      return;
    }
    const started = performance.now();
    answer(req, res, started, ip).catch((error: unknown) => {
      app.log.error({ err: error }, "introspection failed");
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify({ error: "server_error" }));
    });
  }

  /** `handle` is the server's request listener; `answered` counts the requests it answered itself. */
  return { handle, answered: () => answered };
}
