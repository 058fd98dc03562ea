/**
 * Bad input: malformed JSON, unknown fields, wrong types, oversized bodies, wrong content
 * types, scopes outside the allowance, expiry beyond policy, unknown ids. Each gets a 4xx
 * with a stable code, never a 5xx, and changes nothing.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { createHttpHarness, type HttpHarness } from "../http-harness.js";
import { describeEachStore } from "../stores.js";

describeEachStore("admin API bad input", (kind) => {
  let h: HttpHarness;
  let victim: { id: string; secret: string; principalId: string };
  beforeEach(async () => {
    h = await createHttpHarness(kind, { bodyLimitBytes: 16 * 1024 });
    victim = await h.key(["orders:read"]);
  });
  afterEach(async () => {
    await h.close();
  });

  async function snapshot() {
    const db = h.authority.database.db;
    const count = async (table: "api_keys" | "principals" | "change_log") =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const states = await db.selectFrom("api_keys").select(["id", "status", "expires_at"]).orderBy("id").execute();
    return {
      keys: await count("api_keys"),
      principals: await count("principals"),
      changes: await count("change_log"),
      states,
    };
  }

  const json = { "content-type": "application/json" };

  it("answers every malformed request with a 4xx and a stable code, changing nothing", async () => {
    const before = await snapshot();
    const cases: Array<[string, string, { body?: unknown; headers?: Record<string, string> }, number, string]> = [
      ["POST", "/v1/keys", { body: '{"principalId":', headers: json }, 400, "invalid_json"],
      ["POST", "/v1/keys", { body: "[]", headers: json }, 400, "validation_failed"],
      ["POST", "/v1/keys", { body: "null", headers: json }, 400, "validation_failed"],
      [
        "POST",
        "/v1/keys",
        { body: { principalId: victim.principalId, scopes: ["orders:read"], bogus: 1 } },
        400,
        "validation_failed",
      ],
      [
        "POST",
        "/v1/keys",
        { body: { principalId: victim.principalId, scopes: "orders:read" } },
        400,
        "validation_failed",
      ],
      [
        "POST",
        "/v1/keys",
        { body: { principalId: victim.principalId, scopes: ["orders:write"] } },
        422,
        "scope_not_allowed",
      ],
      [
        "POST",
        "/v1/keys",
        { body: { principalId: victim.principalId, scopes: ["orders:read"], expiresIn: "400d" } },
        422,
        "expiry_exceeds_policy",
      ],
      [
        "POST",
        "/v1/keys",
        { body: { principalId: victim.principalId, scopes: ["orders:read"], expiresIn: "soon" } },
        400,
        "validation_failed",
      ],
      [
        "POST",
        "/v1/keys",
        { body: { principalId: victim.principalId, scopes: ["has space"] } },
        400,
        "validation_failed",
      ],
      ["POST", "/v1/keys", { body: { principalId: "prn_doesnotexist", scopes: ["a"] } }, 404, "not_found"],
      [
        "POST",
        "/v1/keys",
        { body: "principalId=x", headers: { "content-type": "text/plain" } },
        415,
        "unsupported_media_type",
      ],
      [
        "POST",
        "/v1/keys",
        {
          body: JSON.stringify({
            principalId: victim.principalId,
            scopes: ["orders:read"],
            description: "x".repeat(20_000),
          }),
          headers: json,
        },
        413,
        "payload_too_large",
      ],
      ["POST", "/v1/keys/key_doesnotexist/revoke", { body: { reason: "r" } }, 404, "not_found"],
      ["POST", `/v1/keys/${victim.id}/revoke`, { body: {} }, 400, "validation_failed"],
      ["POST", `/v1/keys/${victim.id}/revoke`, { body: { reason: "" } }, 400, "validation_failed"],
      ["POST", "/v1/keys/not-an-id/revoke", { body: { reason: "r" } }, 400, "validation_failed"],
      ["POST", "/v1/keys/key_doesnotexist/rotate", { body: {} }, 404, "not_found"],
      ["POST", `/v1/keys/${victim.id}/rotate`, { body: { scopes: ["orders:write"] } }, 422, "scope_not_allowed"],
      ["POST", `/v1/keys/${victim.id}/rotate`, { body: { grace: "90d" } }, 422, "expiry_exceeds_policy"],
      ["POST", `/v1/keys/${victim.id}/rollback`, { body: {} }, 409, "rotation_not_open"],
      ["POST", "/v1/revocations", { body: { selector: {}, reason: "r" } }, 400, "selector_empty"],
      [
        "POST",
        "/v1/revocations",
        { body: { selector: { owner: "x", bogus: true }, reason: "r" } },
        400,
        "validation_failed",
      ],
      [
        "POST",
        "/v1/revocations",
        { body: { selector: { ids: Array(1001).fill("key_a") }, reason: "r" } },
        400,
        "validation_failed",
      ],
      [
        "POST",
        "/v1/principals",
        { body: { name: "bad name!", kind: "service", owner: "o", allowedScopes: [] } },
        400,
        "validation_failed",
      ],
      [
        "POST",
        "/v1/principals",
        { body: { name: "ok", kind: "robot", owner: "o", allowedScopes: [] } },
        400,
        "validation_failed",
      ],
      ["POST", "/v1/principals/prn_doesnotexist/disable", { body: { reason: "r" } }, 404, "not_found"],
      ["GET", "/v1/keys?limit=0", {}, 400, "validation_failed"],
      ["GET", "/v1/keys?limit=abc", {}, 400, "validation_failed"],
      ["GET", "/v1/keys?state=melted", {}, 400, "validation_failed"],
      ["GET", "/v1/keys?cursor=not-a-cursor", {}, 400, "validation_failed"],
      ["GET", "/v1/keys?expiringWithin=7", {}, 400, "validation_failed"],
      ["GET", "/v1/keys?unknown=1", {}, 400, "validation_failed"],
      ["GET", "/v1/keys/key_doesnotexist", {}, 404, "not_found"],
      ["GET", "/v1/audit?afterSeq=-1", {}, 400, "validation_failed"],
      ["GET", "/v1/nothing-here", {}, 404, "not_found"],
    ];
    for (const [method, url, options, status, code] of cases) {
      const response = await h.call(method as "GET" | "POST", url, options);
      expect(response.statusCode, `${method} ${url} ${JSON.stringify(options.body)?.slice(0, 80)}`).toBe(status);
      const body = response.json();
      expect(body.error.code, `${method} ${url}`).toBe(code);
      expect(body.error.requestId).toBe(response.headers["x-request-id"]);
      expect(typeof body.error.message).toBe("string");
    }
    expect(await snapshot()).toEqual(before);
  });

  it("never answers 5xx to hostile bodies on any route", async () => {
    const before = await snapshot();
    // `invalid`: no route may accept it. The others are well-formed JSON that a route without
    // a body (an enrolment, say) may legitimately ignore; none may cause a 5xx.
    const payloads: Array<{ body: string; type: string; invalid: boolean }> = [
      { body: "\u0000\u0001\u0002", type: "application/json", invalid: true },
      { body: '{"a":'.repeat(2000), type: "application/json", invalid: true },
      { body: "\ud800\udc00\udfff", type: "application/json", invalid: true },
      { body: "x".repeat(17 * 1024), type: "application/json", invalid: true },
      { body: "", type: "application/json", invalid: false },
      {
        body: JSON.stringify({ __proto__: { admin: true }, constructor: { prototype: { x: 1 } } }),
        type: "application/json",
        invalid: false,
      },
      {
        body: JSON.stringify({ principalId: 1, scopes: [1, 2], reason: ["x"], selector: "all", name: {}, grace: -1 }),
        type: "application/json",
        invalid: false,
      },
      { body: "token=a&token=b", type: "application/x-www-form-urlencoded", invalid: false },
      { body: "%%%", type: "application/x-www-form-urlencoded", invalid: false },
    ];
    for (const route of h.routes.filter((r) => r.method === "POST")) {
      const url = route.url.replace(":id", route.url.includes("principals") ? victim.principalId : victim.id);
      for (const payload of payloads) {
        const response = await h.call("POST", url, { body: payload.body, headers: { "content-type": payload.type } });
        if (payload.invalid)
          expect(response.statusCode, `${url} ${payload.body.slice(0, 30)}`).toBeGreaterThanOrEqual(400);
        expect(response.statusCode, `${url} ${payload.body.slice(0, 30)}`).toBeLessThan(500);
      }
    }
    expect(await snapshot()).toEqual(before);
  });
});
