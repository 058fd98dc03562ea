/**
 * Caddy with `forward_auth`, configured with the snippet of docs/gateway.md, in front of a small
 * upstream, asking a gateway that replicates from a real authority.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway, type RunningGateway } from "../src/index.js";
import { eventually, startTestAuthority, type TestAuthority } from "./authority.js";
import { installed, type ProxyProcess, startCaddy } from "./proxies.js";
import { startUpstream, type TestUpstream } from "./upstream.js";

const hasCaddy = installed("caddy");
if (!hasCaddy) console.warn("[gateway tests] caddy is not installed (apt-get install caddy): Caddy suite SKIPPED");

describe.skipIf(!hasCaddy)("Caddy forward_auth -> gateway -> upstream", () => {
  let authority: TestAuthority;
  let upstream: TestUpstream;
  let gateway: RunningGateway;
  let caddy: ProxyProcess;

  beforeAll(async () => {
    authority = await startTestAuthority();
    upstream = await startUpstream();
    gateway = await createGateway({ url: authority.url, credential: authority.adminKey, trustProxy: ["loopback"] });
    await gateway.verifier.ready(20_000);
    caddy = await startCaddy({ gateway: gateway.url.replace("http://", ""), app: upstream.url.replace("http://", "") });
  });
  afterAll(async () => {
    await caddy?.stop();
    await gateway?.close();
    await upstream?.close();
    await authority?.close();
  });

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${caddy.url}${path}`, { headers });
    return { status: response.status, headers: response.headers, body: await response.text() };
  };

  it("passes a valid key with its principal forwarded", async () => {
    const key = await authority.key(["orders:read"]);
    await eventually(() => gateway.verifier.verify(key.secret).ok);
    const answer = await get("/orders/1", {
      authorization: `Bearer ${key.secret}`,
      "x-tessera-principal": "prn_forged",
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ path: "/orders/1", principal: key.principalId, keyId: key.id });
  });

  it("answers 401 for none, garbage, revoked and expired, 403 for a missing scope", async () => {
    const revoked = await authority.key(["orders:read"]);
    const expired = await authority.key(["orders:read"], { expiresInMs: 1500 });
    const narrow = await authority.key(["billing:read"]);
    await eventually(() => [revoked, expired, narrow].every((k) => gateway.verifier.verify(k.secret).ok));
    await authority.revoke(revoked.id);
    await eventually(() => !gateway.verifier.verify(expired.secret).ok, 5000);
    const before = upstream.received.length;
    const none = await get("/orders/1");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="tessera"');
    for (const token of ["garbage", revoked.secret, expired.secret]) {
      expect((await get("/orders/1", { authorization: `Bearer ${token}` })).status).toBe(401);
    }
    const forbidden = await get("/orders/1", { authorization: `Bearer ${narrow.secret}` });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
    expect(upstream.received.length).toBe(before);
  });

  it("refuses a revoked key right after the revoke answer", async () => {
    const key = await authority.key(["orders:read"]);
    await eventually(() => gateway.verifier.verify(key.secret).ok);
    await authority.revoke(key.id);
    await eventually(
      async () => (await get("/orders/1", { authorization: `Bearer ${key.secret}` })).status === 401,
      1000,
    );
  });
});
