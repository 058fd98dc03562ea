/**
 * Forward-auth against a real authority: the answers NGINX, Traefik, Caddy and Envoy act on.
 */
import type { UsageRecord } from "@tessera/verifier";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway, parseRules, type RunningGateway } from "../src/index.js";
import { eventually, startTestAuthority, type TestAuthority } from "./authority.js";

let authority: TestAuthority;
let gateway: RunningGateway;
let ruled: RunningGateway;
const RULES = [
  "rules:",
  "  - path: /public/**",
  "    anonymous: true",
  "  - method: [GET]",
  "    path: /orders/**",
  "    scopes: [orders:read]",
].join("\n");
const usage: UsageRecord[] = [];

beforeAll(async () => {
  authority = await startTestAuthority();
  gateway = await createGateway({
    url: authority.url,
    credential: authority.adminKey,
    name: "gateway-test",
  });
  await gateway.verifier.ready(20_000);
  ruled = await createGateway({ url: authority.url, credential: authority.adminKey, rules: parseRules(RULES) });
  await ruled.verifier.ready(20_000);
  const record = gateway.verifier.recordUsage.bind(gateway.verifier);
  gateway.verifier.recordUsage = (entry) => {
    usage.push(entry);
    record(entry);
  };
});
afterAll(async () => {
  await ruled?.close();
  await gateway?.close();
  await authority?.close();
});

async function check(headers: Record<string, string>, query = "", target = gateway) {
  const response = await fetch(`${target.url}/auth${query}`, { headers });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

describe("GET /auth", () => {
  it("answers 200 with the principal, key id and scopes of a valid key", async () => {
    const key = await authority.key(["orders:read", "orders:write"]);
    await eventually(() => gateway.verifier.verify(key.secret).ok);
    const answer = await check({ authorization: `Bearer ${key.secret}` }, "?scope=orders:read");
    expect(answer.status).toBe(200);
    expect(answer.headers.get("x-tessera-principal")).toBe(key.principalId);
    expect(answer.headers.get("x-tessera-key-id")).toBe(key.id);
    expect(answer.headers.get("x-tessera-scopes")).toBe("orders:read orders:write");
    expect(answer.headers.get("x-tessera-token-id")).toBeNull();
  });

  it("accepts any method (Envoy and Traefik forward the original one)", async () => {
    const key = await authority.key(["orders:read"]);
    await eventually(() => gateway.verifier.verify(key.secret).ok);
    for (const method of ["POST", "PUT", "DELETE", "HEAD", "PATCH"]) {
      const response = await fetch(`${gateway.url}/auth?scope=orders:read`, {
        method,
        headers: { authorization: `Bearer ${key.secret}` },
      });
      expect(response.status, method).toBe(200);
    }
  });

  it("refuses a missing credential with 401 and a bare Bearer challenge", async () => {
    const answer = await check({}, "?scope=orders:read");
    expect(answer.status).toBe(401);
    expect(answer.headers.get("www-authenticate")).toBe('Bearer realm="tessera"');
  });

  it("refuses garbage, unknown, revoked and expired keys with 401 invalid_token", async () => {
    const revoked = await authority.key(["orders:read"]);
    const expired = await authority.key(["orders:read"], { expiresInMs: 1500 });
    await eventually(() => gateway.verifier.verify(revoked.secret).ok && gateway.verifier.verify(expired.secret).ok);
    await authority.revoke(revoked.id);
    await eventually(() => !gateway.verifier.verify(revoked.secret).ok);
    await eventually(() => !gateway.verifier.verify(expired.secret).ok, 5000);
    const unknown = `${revoked.secret.slice(0, -12)}AAAAAAAAAAAA`;
    for (const token of ["garbage", "tsk_live_nope", unknown, revoked.secret, expired.secret, "a".repeat(10_000)]) {
      const answer = await check({ authorization: `Bearer ${token}` }, "?scope=orders:read");
      expect(answer.status, token.slice(0, 20)).toBe(401);
      expect(answer.headers.get("www-authenticate")).toBe('Bearer realm="tessera", error="invalid_token"');
      expect(answer.body).not.toContain(token);
    }
    expect(
      JSON.parse((await check({ authorization: `Bearer ${revoked.secret}` }, "?scope=orders:read")).body)
        .error_description,
    ).toContain("revoked");
  });

  it("refuses a key without the required scope with 403 insufficient_scope", async () => {
    const key = await authority.key(["orders:read"]);
    await eventually(() => gateway.verifier.verify(key.secret).ok);
    const answer = await check({ authorization: `Bearer ${key.secret}` }, "?scope=orders:read%20orders:write");
    expect(answer.status).toBe(403);
    expect(answer.headers.get("www-authenticate")).toBe(
      'Bearer realm="tessera", error="insufficient_scope", scope="orders:read orders:write"',
    );
  });

  it("takes the requirement from the rules file for the original method and URI, default deny", async () => {
    const key = await authority.key(["billing:read"]);
    await eventually(() => ruled.verifier.verify(key.secret).ok);
    const auth = { authorization: `Bearer ${key.secret}` };
    const ask = (headers: Record<string, string>, query = "") => check(headers, query, ruled);
    expect((await ask({ ...auth, "x-original-method": "GET", "x-original-uri": "/orders/7?x=1" })).status).toBe(403);
    expect((await ask({ "x-forwarded-method": "GET", "x-forwarded-uri": "/public/logo.png" })).status).toBe(200);
    // No rule allows DELETE on /orders: refused even with a credential.
    const denied = await ask({ ...auth, "x-original-method": "DELETE", "x-original-uri": "/orders/7" });
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.body).error).toBe("access_denied");
    // Dot segments and encoding cannot reach /orders through /public.
    expect((await ask({ "x-original-method": "GET", "x-original-uri": "/public/../orders/7" })).status).toBe(401);
    expect((await ask({ "x-original-method": "GET", "x-original-uri": "/public/%2e%2e/orders/7" })).status).toBe(401);
    // With rules, a ?scope= that a proxy passed on from the client cannot lower the requirement.
    const lowered = await ask(
      { ...auth, "x-original-method": "GET", "x-original-uri": "/orders/7" },
      "?scope=billing:read",
    );
    expect(lowered.status).toBe(403);
  });

  it("reads the original path Envoy appends to the auth URL, never its query as a requirement", async () => {
    const key = await authority.key(["orders:read"]);
    const other = await authority.key(["billing:read"]);
    await eventually(() => ruled.verifier.verify(key.secret).ok && ruled.verifier.verify(other.secret).ok);
    const envoy = (path: string, secret?: string) =>
      fetch(`${ruled.url}/auth${path}`, { headers: secret ? { authorization: `Bearer ${secret}` } : {} }).then(
        (r) => r.status,
      );
    expect(await envoy("/orders/7?scope=billing:read", key.secret)).toBe(200);
    expect(await envoy("/orders/7?scope=billing:read", other.secret)).toBe(403);
    expect(await envoy("/public/a")).toBe(200);
    expect(await envoy("/admin")).toBe(403);
  });

  it("reports usage with the original route, the peer address (X-Forwarded-For untrusted) and user agent", async () => {
    const key = await authority.key(["orders:read"]);
    await eventually(() => gateway.verifier.verify(key.secret).ok);
    usage.length = 0;
    const answer = await check({
      authorization: `Bearer ${key.secret}`,
      "x-original-method": "GET",
      "x-original-uri": "/orders/42?secret=query",
      "x-forwarded-for": "203.0.113.9",
      "user-agent": "checkout/1.2",
    });
    expect(answer.status).toBe(200);
    expect(usage).toEqual([
      {
        keyId: key.id,
        kind: "api_key",
        outcome: "ok",
        route: "/orders/42",
        address: "127.0.0.1",
        userAgent: "checkout/1.2",
      },
    ]);
    // The authority receives it: the key's last use is recorded behind the gateway.
    await eventually(async () => (await authority.keyView(key.id)).lastUsedAt !== null, 10_000);
  });

  it("believes X-Forwarded-For from a trusted proxy only", async () => {
    const trusting = await createGateway({
      url: authority.url,
      credential: authority.adminKey,
      trustProxy: ["loopback"],
    });
    try {
      await trusting.verifier.ready(20_000);
      const seen: UsageRecord[] = [];
      trusting.verifier.recordUsage = (entry) => void seen.push(entry);
      await fetch(`${trusting.url}/auth`, { headers: { "x-forwarded-for": "203.0.113.9, 127.0.0.1" } });
      expect(seen[0]?.address).toBe("203.0.113.9");
    } finally {
      await trusting.close();
    }
  });
});

describe("/healthz and /metrics", () => {
  it("reports a fresh replica and counts decisions by outcome with latency and lag", async () => {
    const health = await fetch(`${gateway.url}/healthz`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe("ok");
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/tessera_gateway_decisions_total\{outcome="ok"\} [1-9]/);
    expect(metrics).toMatch(/tessera_gateway_decisions_total\{outcome="missing"\} [1-9]/);
    expect(metrics).toMatch(/tessera_gateway_decisions_total\{outcome="revoked"\} [1-9]/);
    expect(metrics).toMatch(/tessera_gateway_decision_seconds_count [1-9]/);
    expect(metrics).toMatch(/tessera_gateway_replica_lag_seconds \d/);
    expect(metrics).toContain("tessera_gateway_replica_fresh 1");
    expect(metrics).not.toContain("tsk_");
  });
});
