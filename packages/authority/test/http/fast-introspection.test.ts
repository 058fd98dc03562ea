/**
 * The fast path of POST /oauth/introspect (http/fast-introspection.ts) answers the plain
 * request over a real socket without Fastify's pipeline. Every request here is sent twice: over
 * HTTP to the listening server (fast path, or its hand-over to Fastify) and through Fastify
 * alone (`inject`), and both answers must be the same. `inject` never reaches the server's
 * request listener, so every other test sees Fastify's answer only.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { buildApp } from "../../src/http/app.js";
import { fastPathsAllowed } from "../../src/http/fast-paths.js";
import { createHarness, type Harness } from "../harness.js";
import { describeEachStore } from "../stores.js";

const FORM = "application/x-www-form-urlencoded";
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;

describeEachStore("introspection's fast path", (kind) => {
  let h: Harness;
  let app: FastifyInstance;
  let answers: () => number;
  let url: string;
  let client: { id: string; authorization: string };
  let other: { id: string; authorization: string };
  let tokens: Record<string, string>;

  async function newClient() {
    const principal = await h.authority.principals.create(
      {
        name: `client-${Math.random().toString(36).slice(2, 8)}`,
        kind: "service",
        owner: "team-a",
        allowedScopes: ["orders:read", "oauth:client"],
        metadata: { oauth: { refreshTokens: true } },
      },
      h.system,
    );
    const secret = await h.authority.keys.issue({ principalId: principal.id, scopes: ["oauth:client"] }, h.system);
    return { id: principal.id, authorization: basic(principal.id, secret.secret) };
  }

  beforeAll(async () => {
    h = await createHarness(kind, { rateLimitPerClient: 0 });
    const built = await buildApp(h.authority, { logger: false });
    app = built.app;
    answers = built.fastPathAnswers;
    await app.listen({ port: 0, host: "127.0.0.1" });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    client = await newClient();
    other = await newClient();
    const grant = await app.inject({
      method: "POST",
      url: "/oauth/token",
      headers: { "content-type": FORM, authorization: client.authorization },
      payload: "grant_type=client_credentials&scope=orders%3Aread",
    });
    const granted = grant.json() as { access_token: string; refresh_token: string };
    const apiKey = await h.authority.keys.issue({ principalId: client.id, scopes: ["orders:read"] }, h.system);
    const revoked = await h.authority.keys.issue({ principalId: client.id, scopes: ["orders:read"] }, h.system);
    await h.authority.lifecycle.revoke(revoked.key.id, "test", h.system);
    const othersKey = await h.authority.keys.issue({ principalId: other.id, scopes: ["orders:read"] }, h.system);
    tokens = {
      access: granted.access_token,
      refresh: granted.refresh_token,
      apiKey: apiKey.secret,
      revoked: revoked.secret,
      othersKey: othersKey.secret,
      unknown: "tsk_0000000000000000000000000000000000000",
      garbage: "not a token",
    };
  });
  afterAll(async () => {
    await app.close();
    await h.close();
  });

  /** The same request over HTTP and through Fastify alone: status, body and cache headers. */
  async function both(headers: Record<string, string>, body: string) {
    const viaServer = await fetch(`${url}/oauth/introspect`, { method: "POST", headers, body });
    const server = {
      status: viaServer.status,
      body: (await viaServer.json()) as Record<string, unknown>,
      cache: [viaServer.headers.get("cache-control"), viaServer.headers.get("pragma")],
      type: viaServer.headers.get("content-type"),
      requestId: viaServer.headers.get("x-request-id"),
    };
    const viaFastify = await app.inject({ method: "POST", url: "/oauth/introspect", headers, payload: body });
    const fastify = {
      status: viaFastify.statusCode,
      body: viaFastify.json(),
      cache: [viaFastify.headers["cache-control"] ?? null, viaFastify.headers.pragma ?? null],
      type: viaFastify.headers["content-type"],
      requestId: viaFastify.headers["x-request-id"],
    };
    expect(server.status).toBe(fastify.status);
    expect(server.body).toEqual(fastify.body);
    expect(server.cache).toEqual(fastify.cache);
    expect(server.type).toBe(fastify.type);
    expect(server.requestId).toMatch(/^req_/);
    return server;
  }

  it("answers the plain request itself, as Fastify would, for every kind of token", async () => {
    for (const [name, token] of Object.entries(tokens)) {
      const before = answers();
      const answer = await both(
        { "content-type": FORM, authorization: client.authorization },
        `token=${encodeURIComponent(token)}`,
      );
      expect(answer.status, name).toBe(200);
      expect(answer.body.active, name).toBe(["access", "refresh", "apiKey"].includes(name));
      expect(answers() - before, `${name} answered by the fast path`).toBe(1);
    }
  });

  it("hands everything else to Fastify, which answers it as it always does", async () => {
    const token = `token=${encodeURIComponent(tokens.apiKey as string)}`;
    const cases: Array<[string, Record<string, string>, string, number]> = [
      ["wrong secret", { "content-type": FORM, authorization: basic(client.id, tokens.revoked as string) }, token, 401],
      ["no token parameter", { "content-type": FORM, authorization: client.authorization }, "foo=bar", 400],
      ["token twice", { "content-type": FORM, authorization: client.authorization }, `${token}&${token}`, 400],
      [
        "client_secret too",
        { "content-type": FORM, authorization: client.authorization },
        `${token}&client_secret=x`,
        400,
      ],
      [
        "charset in the type",
        { "content-type": `${FORM}; charset=utf-8`, authorization: client.authorization },
        token,
        200,
      ],
      ["admin bearer key", { "content-type": FORM, authorization: `Bearer ${tokens.apiKey}` }, token, 403],
      ["no credentials", { "content-type": FORM }, token, 401],
    ];
    const before = answers();
    for (const [name, headers, body, status] of cases) {
      const answer = await both(headers, body);
      expect(answer.status, name).toBe(status);
    }
    expect(answers()).toBe(before);
  });

  it("keeps the authority's records: an inactive answer for another client's token, a failed client audited", async () => {
    const answer = await both(
      { "content-type": FORM, authorization: other.authorization },
      `token=${encodeURIComponent(tokens.apiKey as string)}`,
    );
    expect(answer.body).toEqual({ active: false });
    const audited = await h.authority.audit.list({ action: "oauth.client_auth.failed", limit: 10 });
    const before = audited.items.length;
    await both({ "content-type": FORM, authorization: basic(client.id, tokens.othersKey as string) }, "token=x");
    const after = await h.authority.audit.list({ action: "oauth.client_auth.failed", limit: 10 });
    expect(after.items.length).toBeGreaterThan(before);
  });
});

describeEachStore("introspection's fast path under the rate limits", (kind) => {
  it("counts the requests it answers against the address limit, and leaves the 429 to Fastify", async () => {
    const h = await createHarness(kind, { rateLimitPerAddress: 3, rateLimitPerClient: 0 });
    const { app, fastPathAnswers } = await buildApp(h.authority, { logger: false });
    try {
      await app.listen({ port: 0, host: "127.0.0.1" });
      const address = app.server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      const principal = await h.authority.principals.create(
        { name: "limited", kind: "service", owner: "team-a", allowedScopes: ["oauth:client"] },
        h.system,
      );
      const secret = await h.authority.keys.issue({ principalId: principal.id, scopes: ["oauth:client"] }, h.system);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await fetch(`http://127.0.0.1:${port}/oauth/introspect`, {
          method: "POST",
          headers: { "content-type": FORM, authorization: basic(principal.id, secret.secret) },
          body: `token=${encodeURIComponent(secret.secret)}`,
        });
        statuses.push(res.status);
        if (res.status === 429) expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
        await res.arrayBuffer();
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(fastPathAnswers()).toBe(3);
    } finally {
      await app.close();
      await h.close();
    }
  });
});

describe("when the fast path is off", () => {
  it("stays off whenever something else must see each request", () => {
    const config = (env: Record<string, string>) => loadConfig(env, { databaseUrl: ":memory:" });
    expect(fastPathsAllowed(config({}), false)).toBe(true);
    expect(fastPathsAllowed(config({}), true)).toBe(false);
    expect(fastPathsAllowed(config({ TESSERA_TRUST_PROXY: "1" }), false)).toBe(false);
    expect(fastPathsAllowed(config({ TESSERA_HOT_ROUTE_LOG_LEVEL: "info" }), false)).toBe(false);
    expect(fastPathsAllowed(config({ TESSERA_HOT_ROUTE_LOG_LEVEL: "info", TESSERA_LOG_LEVEL: "warn" }), false)).toBe(
      true,
    );
  });
});
