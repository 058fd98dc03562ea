/**
 * Reverse-proxy mode against a real authority and a real upstream: identity headers in,
 * forged ones out, bodies streamed, WebSockets carried, a dead upstream answered with 502 that
 * leaks no credential.
 */
import { request } from "node:http";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway, createLogger, parseRules, type RunningGateway } from "../src/index.js";
import { eventually, startTestAuthority, type TestAuthority } from "./authority.js";
import { startUpstream, type TestUpstream } from "./upstream.js";

let authority: TestAuthority;
let upstream: TestUpstream;
let gateway: RunningGateway;
let key: { id: string; secret: string; principalId: string };
const logs: string[] = [];
const logStream = new Writable({
  write(chunk, _encoding, done) {
    logs.push(String(chunk));
    done();
  },
});

beforeAll(async () => {
  authority = await startTestAuthority();
  upstream = await startUpstream();
  gateway = await createGateway({
    url: authority.url,
    credential: authority.adminKey,
    upstream: upstream.url,
    rules: parseRules("rules:\n  - path: /public/**\n    anonymous: true\n  - path: /**\n    scopes: [orders:read]\n"),
    upstreamTimeoutMs: 500,
    log: createLogger(logStream, "debug"),
  });
  await gateway.verifier.ready(20_000);
  key = await authority.key(["orders:read"]);
  await eventually(() => gateway.verifier.verify(key.secret).ok);
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
  await authority?.close();
});

describe("--upstream", () => {
  it("proxies a valid request with the identity headers and drops forged ones", async () => {
    const response = await fetch(`${gateway.url}/orders/1?x=2`, {
      headers: { authorization: `Bearer ${key.secret}`, "x-tessera-principal": "prn_forged", "x-tessera-admin": "1" },
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({
      path: "/orders/1?x=2",
      principal: key.principalId,
      keyId: key.id,
      scopes: "orders:read",
    });
    expect(upstream.received.at(-1)?.headers["x-tessera-admin"]).toBeUndefined();
    expect(upstream.received.at(-1)?.headers["x-forwarded-for"]).toBe("127.0.0.1");
  });

  it("refuses before the upstream sees anything, and lets anonymous rules through without identity", async () => {
    const before = upstream.received.length;
    const refused = await fetch(`${gateway.url}/orders/1`, { headers: { "x-tessera-principal": "prn_forged" } });
    expect(refused.status).toBe(401);
    expect(upstream.received.length).toBe(before);
    const open = await fetch(`${gateway.url}/public/a`, { headers: { "x-tessera-principal": "prn_forged" } });
    expect(open.status).toBe(200);
    expect(((await open.json()) as { principal: string | null }).principal).toBeNull();
  });

  it("streams request and response bodies", async () => {
    const payload = Buffer.alloc(4 * 1024 * 1024, 7);
    const response = await fetch(`${gateway.url}/stream`, {
      method: "POST",
      headers: { authorization: `Bearer ${key.secret}` },
      body: payload,
    });
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(payload)).toBe(true);
  });

  it("carries a WebSocket upgrade of an authorized request and refuses an unauthorized one", async () => {
    const upgrade = (authorization?: string) =>
      new Promise<{ status: number; echo?: string }>((resolve, reject) => {
        const req = request(`${gateway.url}/ws`, {
          headers: {
            connection: "Upgrade",
            upgrade: "websocket",
            ...(authorization ? { authorization } : {}),
          },
        });
        req.on("upgrade", (res, socket) => {
          socket.once("data", (data) => {
            resolve({ status: res.statusCode ?? 0, echo: String(data) });
            socket.destroy();
          });
          socket.write("ping");
        });
        req.on("response", (res) => {
          resolve({ status: res.statusCode ?? 0 });
          res.resume();
        });
        req.on("error", reject);
        req.end();
      });
    expect(await upgrade(`Bearer ${key.secret}`)).toEqual({ status: 101, echo: "ping" });
    expect((await upgrade()).status).toBe(401);
  });

  it("strips the credential when asked", async () => {
    const stripping = await createGateway({
      url: authority.url,
      credential: authority.adminKey,
      upstream: upstream.url,
      stripCredential: true,
    });
    try {
      await stripping.verifier.ready(20_000);
      await eventually(() => stripping.verifier.verify(key.secret).ok);
      const body = await (
        await fetch(`${stripping.url}/x`, { headers: { authorization: `Bearer ${key.secret}` } })
      ).json();
      expect(body).toMatchObject({ principal: key.principalId, authorization: null });
    } finally {
      await stripping.close();
    }
  });

  it("answers 504 when the upstream is too slow", async () => {
    const response = await fetch(`${gateway.url}/slow`, { headers: { authorization: `Bearer ${key.secret}` } });
    expect(response.status).toBe(504);
  });

  it("answers 502 when the upstream is down, with no credential in the body or the log", async () => {
    const down = await startUpstream();
    await down.close(); // a port nothing listens on any more
    const orphan = await createGateway({
      url: authority.url,
      credential: authority.adminKey,
      upstream: down.url,
      log: createLogger(logStream, "debug"),
    });
    try {
      await orphan.verifier.ready(20_000);
      await eventually(() => orphan.verifier.verify(key.secret).ok);
      logs.length = 0;
      const response = await fetch(`${orphan.url}/orders?access_token=${key.secret}`, {
        headers: { authorization: `Bearer ${key.secret}` },
      });
      const body = await response.text();
      expect(response.status).toBe(502);
      expect(JSON.parse(body).error).toBe("bad_gateway");
      expect(body).not.toContain(key.secret);
      expect(logs.join("")).toContain("ECONNREFUSED");
      expect(logs.join("")).not.toContain(key.secret);
      expect(logs.join("")).not.toContain(authority.adminKey);
      const metrics = await (await fetch(`${orphan.url}/metrics`)).text();
      expect(metrics).toContain('tessera_gateway_upstream_errors_total{code="ECONNREFUSED"} 1');
    } finally {
      await orphan.close();
    }
  });
});
