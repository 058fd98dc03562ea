/**
 * The feed's endpoints: refused without a valid key or without their scope (401/403 with the
 * one error shape), bad input is a 400 with a code, and usage reports feed last-used times and
 * the blocked-requests counter.
 */
import { VERIFY_FAILURES } from "@tessera/verifier/wire";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createHttpHarness, type HttpHarness } from "../http-harness.js";
import { describeEachStore } from "../stores.js";

const ROUTES = [
  { method: "GET", url: "/v1/feed?name=a&instance=abcdefgh12", scope: "feed:read" },
  {
    method: "POST",
    url: "/v1/verifiers/acks",
    scope: "feed:read",
    body: { acks: [{ verifierId: "abcdefgh12", sequence: 1 }] },
  },
  { method: "POST", url: "/v1/verifiers/acks/stream?instance=abcdefgh12", scope: "feed:read", body: "1\n" },
  {
    method: "POST",
    url: "/v1/verifiers/usage",
    scope: "feed:read",
    body: { verifierId: "abcdefgh12", entries: [], dropped: 0 },
  },
  { method: "GET", url: "/v1/verifiers", scope: "keys:read" },
  { method: "GET", url: "/v1/receipts/rct_missing", scope: "keys:read" },
  { method: "GET", url: "/v1/receipts", scope: "keys:read" },
] as const;

describeEachStore("feed endpoints: security and input", (kind) => {
  let h: HttpHarness;
  beforeAll(async () => {
    h = await createHttpHarness(kind);
  });
  afterAll(async () => {
    await h.close();
  });

  it("refuses missing, malformed and revoked keys with 401 and keys without the scope with 403", async () => {
    const revoked = await h.key(["feed:read", "keys:read"]);
    await h.authority.lifecycle.revoke(revoked.id, "test", h.system);
    const unrelated = await h.key(["orders:read"]);
    for (const route of ROUTES) {
      const body = "body" in route ? { body: route.body } : {};
      for (const key of [null, "garbage", revoked.secret]) {
        const response = await h.call(route.method, route.url, { key, ...body });
        expect(response.statusCode, `${route.method} ${route.url}`).toBe(401);
        expect(response.json().error.code).toBe("unauthenticated");
      }
      const response = await h.call(route.method, route.url, { key: unrelated.secret, ...body });
      expect(response.statusCode).toBe(403);
      expect(response.json().error).toMatchObject({ code: "forbidden", details: { missingScopes: [route.scope] } });
    }
  });

  it("answers bad input with 400 and a code, never a 5xx", async () => {
    const cases: Array<[string, string, unknown?]> = [
      ["GET", "/v1/feed?instance=abcdefgh12"],
      ["GET", "/v1/feed?name=bad%20name&instance=abcdefgh12"],
      ["GET", "/v1/feed?name=a&instance=x"],
      ["GET", "/v1/feed?name=a&instance=abcdefgh12&staleness=-5"],
      ["POST", "/v1/verifiers/acks/stream?instance=x"],
      ["POST", "/v1/verifiers/acks/stream"],
      ["POST", "/v1/verifiers/acks", { acks: [] }],
      ["POST", "/v1/verifiers/acks", { acks: [{ verifierId: "abcdefgh12", sequence: -1 }] }],
      ["POST", "/v1/verifiers/acks", { acks: [{ verifierId: "abcdefgh12", sequence: 1, extra: 1 }] }],
      [
        "POST",
        "/v1/verifiers/usage",
        {
          verifierId: "abcdefgh12",
          entries: [
            {
              keyId: null,
              kind: null,
              outcome: "made_up",
              route: "/",
              address: "",
              userAgent: "",
              count: 1,
              lastAt: 0,
            },
          ],
          dropped: 0,
        },
      ],
      ["GET", "/v1/receipts/not-a-receipt"],
      ["POST", "/v1/revocations?wait=forever", { selector: { owner: "x" }, reason: "r" }],
    ];
    for (const [method, url, body] of cases) {
      const response = await h.call(method as "GET", url, body === undefined ? {} : { body });
      expect(response.statusCode, `${method} ${url}`).toBe(400);
      expect(response.json().error.code).toBe("validation_failed");
    }
    const missing = await h.call("GET", "/v1/receipts/rct_missing");
    expect(missing.statusCode).toBe(404);
  });

  it("turns usage reports into last-used times and blocked-request counts", async () => {
    const used = await h.key(["orders:read"]);
    const at = h.clock.now() - 1000;
    const response = await h.call("POST", "/v1/verifiers/usage", {
      body: {
        verifierId: "abcdefgh12",
        entries: [
          {
            keyId: used.id,
            kind: "api_key",
            outcome: "ok",
            route: "/orders",
            address: "10.0.0.1",
            userAgent: "t",
            count: 3,
            lastAt: at,
          },
          {
            keyId: null,
            kind: null,
            outcome: "revoked",
            route: "/orders",
            address: "10.0.0.2",
            userAgent: "t",
            count: 2,
            lastAt: at,
          },
        ],
        dropped: 4,
      },
    });
    expect(response.statusCode).toBe(204);
    await h.authority.usage.flush();
    expect((await h.authority.keys.get(used.id)).lastUsedAt).toBe(new Date(at).toISOString());
    const metrics = (await h.call("GET", "/metrics", { key: null })).body;
    expect(metrics).toMatch(/tessera_verifier_blocked_requests_total\{reason="revoked"\} 2/);
    expect(metrics).toMatch(/tessera_verifier_usage_dropped_total 4/);
    expect(metrics).toContain("tessera_revocation_propagation_seconds_bucket");
  });

  it("takes exactly the verifier's failure reasons as blocked outcomes (the wire contract's list)", async () => {
    const entry = (outcome: string) => ({
      keyId: null,
      kind: null,
      outcome,
      route: "/r",
      address: "10.0.0.3",
      userAgent: "t",
      count: 1,
      lastAt: h.clock.now(),
    });
    const report = (outcomes: readonly string[]) =>
      h.call("POST", "/v1/verifiers/usage", {
        body: { verifierId: "abcdefgh12", entries: outcomes.map(entry), dropped: 0 },
      });
    expect((await report(VERIFY_FAILURES)).statusCode).toBe(204);
    // Reasons no verifier reports (once listed here, drifted from the verifier's list).
    for (const drifted of ["unknown_key", "dpop_required", "dpop_unsupported"]) {
      const refused = await report([drifted]);
      expect(refused.statusCode, drifted).toBe(400);
      expect(JSON.parse(refused.body).error.code).toBe("validation_failed");
    }
  });
});
