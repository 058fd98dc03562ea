import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVerifier, type Verifier } from "../src/create-verifier.js";
import { tesseraExpress } from "../src/middleware/express.js";
import { tesseraFastify } from "../src/middleware/fastify.js";
import { tesseraHono } from "../src/middleware/hono.js";
import { tesseraNodeHttp } from "../src/middleware/node-http.js";
import type { VerifiedCredential } from "../src/types.js";
import { CREDENTIAL, type FakeAuthority, fakeKey, signingKey, startFakeAuthority, until } from "./fake-authority.js";

let authority: FakeAuthority;
let verifier: Verifier;
const reader = fakeKey({ scopes: ["orders:read"] });
const signer = signingKey();

beforeAll(async () => {
  authority = await startFakeAuthority();
  authority.state = {
    sequence: 1,
    keys: [reader],
    oauth: {
      signingKeys: [{ kid: signer.kid, jwk: signer.jwk, notBefore: 0 }],
      revokedJtis: [],
      revokedFamilies: [],
      principalCutoffs: [],
    },
  };
  verifier = createVerifier({ url: authority.url, credential: CREDENTIAL, name: "mw", usage: { intervalMs: 50 } });
  await verifier.ready();
});
afterAll(async () => {
  await verifier.close();
  await authority.close();
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

type Start = () => Promise<{ url: string; close(): Promise<void> }>;

const frameworks: Record<string, Start> = {
  "node:http": async () => {
    const authenticate = tesseraNodeHttp({ verifier, scopes: ["orders:read"] });
    const server = createServer(async (req, res) => {
      const credential = await authenticate(req, res);
      if (!credential) return;
      res.end(JSON.stringify({ principal: credential.principalId }));
    });
    return { url: await listen(server), close: () => new Promise((r) => server.close(() => r())) };
  },
  express: async () => {
    const app = express();
    app.get("/orders", tesseraExpress({ verifier, scopes: ["orders:read"] }), (req, res) => {
      res.json({ principal: (req as unknown as { tessera: VerifiedCredential }).tessera.principalId });
    });
    const server = createServer(app);
    return { url: await listen(server), close: () => new Promise((r) => server.close(() => r())) };
  },
  fastify: async () => {
    const app = Fastify();
    app.decorateRequest("tessera", null);
    app.get("/orders", { preHandler: tesseraFastify({ verifier, scopes: ["orders:read"] }) }, async (request) => ({
      principal: (request as unknown as { tessera: VerifiedCredential }).tessera.principalId,
    }));
    await app.listen({ port: 0, host: "127.0.0.1" });
    const port = (app.server.address() as AddressInfo).port;
    return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
  },
  hono: async () => {
    const app = new Hono<{ Variables: { tessera: VerifiedCredential } }>();
    app.get("/orders", tesseraHono({ verifier, scopes: ["orders:read"] }), (c) =>
      c.json({ principal: c.get("tessera").principalId }),
    );
    // Served through node:http with a minimal fetch bridge (no @hono/node-server dependency).
    const server = createServer(async (req, res) => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
      const response = await app.fetch(
        new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers }),
      );
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    });
    return { url: await listen(server), close: () => new Promise((r) => server.close(() => r())) };
  },
};

describe.each(Object.entries(frameworks))("%s middleware", (_name, start) => {
  let server: Awaited<ReturnType<Start>>;
  beforeAll(async () => {
    server = await start();
  });
  afterAll(async () => {
    await server.close();
  });
  const get = (authorization?: string) =>
    fetch(`${server.url}/orders`, { headers: authorization ? { authorization, "user-agent": "mw-test" } : {} });

  it("lets a valid credential through and attaches its principal", async () => {
    const response = await get(`Bearer ${reader.secret}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ principal: "prn_1" });
    const token = signer.mint({ aud: "orders-api", iss: "http://authority.test" });
    const jwt = await get(`Bearer ${token}`);
    expect(jwt.status).toBe(200);
    expect(await jwt.json()).toEqual({ principal: "prn_jwt" });
  });

  it("answers 401 with WWW-Authenticate for a missing or invalid credential", async () => {
    const missing = await get();
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="tessera"');
    const invalid = await get(`Bearer ${fakeKey().secret}`);
    expect(invalid.status).toBe(401);
    expect(invalid.headers.get("www-authenticate")).toBe('Bearer realm="tessera", error="invalid_token"');
    expect(((await invalid.json()) as { error: string }).error).toBe("invalid_token");
    const garbage = await get("Bearer \u00ff\u00fe");
    expect(garbage.status).toBe(401);
  });

  it("answers 403 insufficient_scope naming the scope required", async () => {
    const writer = signer.mint({ scope: "orders:write" });
    const response = await get(`Bearer ${writer}`);
    expect(response.status).toBe(403);
    expect(response.headers.get("www-authenticate")).toBe(
      'Bearer realm="tessera", error="insufficient_scope", scope="orders:read"',
    );
  });

  it("refuses a DPoP-bound token presented without a proof", async () => {
    const bound = signer.mint({ cnf: { jkt: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I" } });
    const response = await get(`DPoP ${bound}`);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain('error="invalid_dpop_proof"');
    const asBearer = await get(`Bearer ${bound}`);
    expect(asBearer.status).toBe(401);
  });
});

describe("middleware factories", () => {
  it("validate their options when called and return named functions", () => {
    for (const factory of [tesseraNodeHttp, tesseraExpress, tesseraFastify, tesseraHono]) {
      expect(() => factory({} as never)).toThrow(TypeError);
      expect(() => factory({ verifier, scopes: ["has space"] })).toThrow(TypeError);
      expect(() => factory({ verifier, audience: "" })).toThrow(TypeError);
      expect(factory({ verifier }).name).toMatch(/^tessera/);
    }
  });

  it("count each verification for usage reports", async () => {
    await until(() => authority.usage.some((b) => b.entries.some((e) => e.outcome === "ok" && e.keyId === reader.id)));
    const entries = authority.usage.flatMap((b) => b.entries);
    expect(entries.some((e) => e.outcome === "scope_insufficient")).toBe(true);
    expect(entries.find((e) => e.keyId === reader.id)).toMatchObject({ route: "/orders", userAgent: "mw-test" });
  });
});
