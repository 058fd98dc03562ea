/**
 * Rate limits per client address, per client id and per failed authentication: past a limit,
 * 429 with `Retry-After` in the surface's format (RFC 6749 style on /oauth/*, the admin shape
 * on /v1/*); another address is not limited; after the window, requests pass again.
 */
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { describeEachStore } from "../stores.js";
import { type AbuseHarness, createAbuseHarness } from "./abuse-harness.js";

const WINDOW_MS = 60_000;
const A = "203.0.113.20";
const B = "198.51.100.20";

function expectAdmin429(response: { statusCode: number; headers: Record<string, unknown>; json(): unknown }) {
  expect(response.statusCode).toBe(429);
  const retryAfter = Number(response.headers["retry-after"]);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(WINDOW_MS / 1000);
  const body = response.json() as { error: { code: string; message: string; requestId: string } };
  expect(body.error).toMatchObject({ code: "rate_limited", requestId: expect.stringMatching(/^req_/) });
  expect(body.error.message).toMatch(/retry after \d+ s/);
}

function expectOAuth429(response: { statusCode: number; headers: Record<string, unknown>; json(): unknown }) {
  expect(response.statusCode).toBe(429);
  expect(Number(response.headers["retry-after"])).toBeGreaterThanOrEqual(1);
  expect(response.headers["cache-control"]).toBe("no-store");
  expect(response.json()).toEqual({ error: "temporarily_unavailable", error_description: expect.any(String) });
}

describeEachStore("rate limits", (kind) => {
  let h: AbuseHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const open = (overrides: Parameters<typeof createAbuseHarness>[1]) =>
    createAbuseHarness(kind, { rateLimitWindowMs: WINDOW_MS, ...overrides });

  it("limits the admin API per address: 429 past the limit, another address passes, the next window passes", async () => {
    h = await open({ rateLimitPerAddress: 3 });
    for (let i = 0; i < 3; i++) expect((await h.admin("/v1/keys", h.root.secret, A)).statusCode).toBe(200);
    expectAdmin429(await h.admin("/v1/keys", h.root.secret, A));
    expect((await h.admin("/v1/keys", h.root.secret, B)).statusCode).toBe(200);
    // Surfaces outside the limit are not counted or refused.
    expect((await h.app.inject({ method: "GET", url: "/healthz", remoteAddress: A })).statusCode).toBe(200);
    h.clock.advance(WINDOW_MS);
    expect((await h.admin("/v1/keys", h.root.secret, A)).statusCode).toBe(200);
    expect(await h.counter("tessera_rate_limited_total", { limit: "address" })).toBe(1);
  });

  it("a percent-encoded path reaching an admin route is limited like it", async () => {
    h = await open({ rateLimitPerAddress: 2 });
    expect((await h.admin("/%761/keys", h.root.secret, A)).statusCode).toBe(200);
    expect((await h.admin("/v1/keys", h.root.secret, A)).statusCode).toBe(200);
    expectAdmin429(await h.admin("/%761/keys", h.root.secret, A));
  });

  it("limits /oauth/token per address, in RFC 6749 form", async () => {
    h = await open({ rateLimitPerAddress: 2 });
    const grant = { grant_type: "client_credentials" };
    const basic = h.basic(h.client.id, h.client.secret);
    for (let i = 0; i < 2; i++) expect((await h.form("/oauth/token", grant, A, basic)).statusCode).toBe(200);
    expectOAuth429(await h.form("/oauth/token", grant, A, basic));
    expect((await h.form("/oauth/token", grant, B, basic)).statusCode).toBe(200);
    h.clock.advance(WINDOW_MS);
    expect((await h.form("/oauth/token", grant, A, basic)).statusCode).toBe(200);
  });

  it("limits /oauth/introspect per address, in RFC 6749 form", async () => {
    h = await open({ rateLimitPerAddress: 2 });
    const bearer = { authorization: `Bearer ${h.root.secret}` };
    for (let i = 0; i < 2; i++) {
      expect((await h.form("/oauth/introspect", { token: "x" }, A, bearer)).json()).toEqual({ active: false });
    }
    expectOAuth429(await h.form("/oauth/introspect", { token: "x" }, A, bearer));
    expect((await h.form("/oauth/introspect", { token: "x" }, B, bearer)).statusCode).toBe(200);
    h.clock.advance(WINDOW_MS);
    expect((await h.form("/oauth/introspect", { token: "x" }, A, bearer)).statusCode).toBe(200);
  });

  it("limits per client id whatever the address: an OAuth client_id, an admin key", async () => {
    h = await open({ rateLimitPerClient: 2 });
    const grant = { grant_type: "client_credentials" };
    const basic = h.basic(h.client.id, h.client.secret);
    expect((await h.form("/oauth/token", grant, "10.0.0.1", basic)).statusCode).toBe(200);
    expect((await h.form("/oauth/token", grant, "10.0.0.2", basic)).statusCode).toBe(200);
    expectOAuth429(await h.form("/oauth/token", grant, "10.0.0.3", basic));
    // The same client id sent as a form parameter is the same client.
    const post = { ...grant, client_id: h.client.id, client_secret: h.client.secret };
    expectOAuth429(await h.form("/oauth/token", post, "10.0.0.4"));

    expect((await h.admin("/v1/keys", h.root.secret, "10.0.1.1")).statusCode).toBe(200);
    expect((await h.admin("/v1/keys", h.root.secret, "10.0.1.2")).statusCode).toBe(200);
    const limited = await h.admin("/v1/keys", h.root.secret, "10.0.1.3");
    expectAdmin429(limited);
    expect((limited.json() as { error: { details: unknown } }).error.details).toMatchObject({ limit: "client" });
    // Another key is another client.
    const other = await h.key(["keys:read"]);
    expect((await h.admin("/v1/keys", other.secret, "10.0.1.3")).statusCode).toBe(200);
    h.clock.advance(WINDOW_MS);
    expect((await h.admin("/v1/keys", h.root.secret, "10.0.1.3")).statusCode).toBe(200);
  });

  it("limits failed authentications harder: past the limit the address gets 429 even with a valid key", async () => {
    h = await open({ rateLimitFailedAuth: 3, rateLimitPerAddress: 1000 });
    for (let i = 0; i < 3; i++) expect((await h.admin("/v1/keys", "guess", A)).statusCode).toBe(401);
    const blocked = await h.admin("/v1/keys", h.root.secret, A);
    expectAdmin429(blocked);
    expect((blocked.json() as { error: { details: unknown } }).error.details).toMatchObject({ limit: "failed_auth" });
    // Guessing client secrets on /oauth/token counts against the same address.
    expectOAuth429(await h.form("/oauth/token", { grant_type: "client_credentials" }, A, h.basic(h.client.id, "x")));
    expect((await h.admin("/v1/keys", h.root.secret, B)).statusCode).toBe(200);
    h.clock.advance(WINDOW_MS);
    expect((await h.admin("/v1/keys", h.root.secret, A)).statusCode).toBe(200);
    expect(await h.counter("tessera_rate_limited_total", { limit: "failed_auth" })).toBe(2);
  });

  it("counts bad client secrets on /oauth/token as failed authentications", async () => {
    h = await open({ rateLimitFailedAuth: 2 });
    const wrong = h.basic(h.client.id, "wrong");
    for (let i = 0; i < 2; i++) {
      expect((await h.form("/oauth/token", { grant_type: "client_credentials" }, A, wrong)).statusCode).toBe(401);
    }
    expectOAuth429(await h.form("/oauth/token", { grant_type: "client_credentials" }, A, wrong));
  });

  it("0 turns a limit off", async () => {
    h = await open({ rateLimitPerAddress: 0, rateLimitPerClient: 0, rateLimitFailedAuth: 0 });
    for (let i = 0; i < 50; i++) expect((await h.admin("/v1/keys", "guess", A)).statusCode).toBe(401);
    expect((await h.admin("/v1/keys", h.root.secret, A)).statusCode).toBe(200);
  });
});

describe("rate-limit configuration", () => {
  it("has defaults that leave normal use alone, and refuses nonsense", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      rateLimitWindowMs: 60_000,
      rateLimitPerAddress: 60_000,
      rateLimitPerClient: 60_000,
      rateLimitFailedAuth: 120,
      authFailureAuditWindowMs: 60_000,
    });
    expect(loadConfig({ TESSERA_RATE_LIMIT: "0", TESSERA_RATE_LIMIT_WINDOW: "10s" })).toMatchObject({
      rateLimitPerAddress: 0,
      rateLimitWindowMs: 10_000,
    });
    expect(() => loadConfig({ TESSERA_RATE_LIMIT: "-1" })).toThrow(/TESSERA_RATE_LIMIT must be a whole number/);
    expect(() => loadConfig({ TESSERA_RATE_LIMIT_FAILED_AUTH: "lots" })).toThrow(/TESSERA_RATE_LIMIT_FAILED_AUTH/);
    expect(() => loadConfig({ TESSERA_RATE_LIMIT_WINDOW: "0s" })).toThrow(/longer than 0/);
  });
});
