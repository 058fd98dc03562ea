/**
 * The permission matrix: every admin endpoint, called with no token, a malformed token, an
 * unknown key, a revoked key, an expired key, a disabled principal's key and a key lacking
 * one required scope, is refused with the right status and code, changes nothing, and the
 * refusal is audited. Repeated failures of one address in a window share one summary record
 * (test/http/abuse.test.ts), so each refusal here comes from an address of its own: the first
 * refusal of an address is always audited at once. The matrix is checked against the registered routes, so a new endpoint
 * without a row here fails the suite.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpHarness, type HttpHarness } from "../http-harness.js";
import { STORE_KINDS } from "../stores.js";

interface RouteCase {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: (ids: { key: string; principal: string }) => string;
  body?: unknown;
}

const CASES: Record<string, RouteCase> = {
  "POST /v1/campaigns": {
    method: "POST",
    url: () => "/v1/campaigns",
    body: { selector: { owner: "victims" }, description: "d" },
  },
  "GET /v1/campaigns": { method: "GET", url: () => "/v1/campaigns" },
  "GET /v1/campaigns/:id": { method: "GET", url: () => "/v1/campaigns/cmp_x" },
  "GET /v1/campaigns/:id/keys": { method: "GET", url: () => "/v1/campaigns/cmp_x/keys" },
  "GET /v1/campaigns/:id/dry-run": { method: "GET", url: () => "/v1/campaigns/cmp_x/dry-run" },
  "POST /v1/campaigns/:id/execute": { method: "POST", url: () => "/v1/campaigns/cmp_x/execute", body: {} },
  "POST /v1/campaigns/:id/finalize": { method: "POST", url: () => "/v1/campaigns/cmp_x/finalize", body: {} },
  "POST /v1/campaigns/:id/rollback": {
    method: "POST",
    url: () => "/v1/campaigns/cmp_x/rollback",
    body: { reason: "r" },
  },
  "GET /v1/campaigns/:id/export": { method: "GET", url: () => "/v1/campaigns/cmp_x/export?owner=victims" },
  "POST /v1/principals": {
    method: "POST",
    url: () => "/v1/principals",
    body: { name: "x-new", kind: "service", owner: "o", allowedScopes: ["a"] },
  },
  "GET /v1/principals": { method: "GET", url: () => "/v1/principals" },
  "GET /v1/principals/:id": { method: "GET", url: (ids) => `/v1/principals/${ids.principal}` },
  "POST /v1/principals/:id/disable": {
    method: "POST",
    url: (ids) => `/v1/principals/${ids.principal}/disable`,
    body: { reason: "r" },
  },
  "POST /v1/keys": { method: "POST", url: () => "/v1/keys", body: { principalId: "prn_x", scopes: ["a"] } },
  "GET /v1/keys": { method: "GET", url: () => "/v1/keys" },
  "GET /v1/keys/:id": { method: "GET", url: (ids) => `/v1/keys/${ids.key}` },
  "POST /v1/keys/:id/revoke": { method: "POST", url: (ids) => `/v1/keys/${ids.key}/revoke`, body: { reason: "r" } },
  "POST /v1/keys/:id/suspend": { method: "POST", url: (ids) => `/v1/keys/${ids.key}/suspend`, body: { reason: "r" } },
  "POST /v1/keys/:id/resume": { method: "POST", url: (ids) => `/v1/keys/${ids.key}/resume`, body: { reason: "r" } },
  "POST /v1/principals/:id/suspend": {
    method: "POST",
    url: (ids) => `/v1/principals/${ids.principal}/suspend`,
    body: { reason: "r" },
  },
  "POST /v1/principals/:id/resume": {
    method: "POST",
    url: (ids) => `/v1/principals/${ids.principal}/resume`,
    body: { reason: "r" },
  },
  "POST /v1/keys/:id/rotate": { method: "POST", url: (ids) => `/v1/keys/${ids.key}/rotate`, body: {} },
  "POST /v1/keys/:id/rollback": { method: "POST", url: (ids) => `/v1/keys/${ids.key}/rollback`, body: {} },
  "POST /v1/revocations": {
    method: "POST",
    url: () => "/v1/revocations",
    body: { selector: { owner: "victims" }, reason: "r" },
  },
  "GET /v1/audit": { method: "GET", url: () => "/v1/audit" },
  "GET /v1/feed": { method: "GET", url: () => "/v1/feed?name=matrix" },
  "GET /v1/verifiers": { method: "GET", url: () => "/v1/verifiers" },
  "POST /v1/verifiers/acks": { method: "POST", url: () => "/v1/verifiers/acks", body: { acks: [] } },
  "POST /v1/verifiers/acks/stream": {
    method: "POST",
    url: () => "/v1/verifiers/acks/stream?instance=abcdefgh12",
    body: "1\n",
  },
  "POST /v1/verifiers/usage": { method: "POST", url: () => "/v1/verifiers/usage", body: {} },
  "POST /ssf/stream": { method: "POST", url: () => "/ssf/stream", body: {} },
  "GET /ssf/stream": { method: "GET", url: () => "/ssf/stream" },
  "PATCH /ssf/stream": { method: "PATCH", url: () => "/ssf/stream", body: { stream_id: "ssf_x" } },
  "PUT /ssf/stream": { method: "PUT", url: () => "/ssf/stream", body: { stream_id: "ssf_x" } },
  "DELETE /ssf/stream": { method: "DELETE", url: () => "/ssf/stream?stream_id=ssf_x" },
  "GET /ssf/status": { method: "GET", url: () => "/ssf/status?stream_id=ssf_x" },
  "POST /ssf/status": { method: "POST", url: () => "/ssf/status", body: { stream_id: "ssf_x", status: "paused" } },
  "POST /ssf/subjects::add": {
    method: "POST",
    url: () => "/ssf/subjects:add",
    body: { stream_id: "ssf_x", subject: { format: "opaque", id: "x" } },
  },
  "POST /ssf/subjects::remove": {
    method: "POST",
    url: () => "/ssf/subjects:remove",
    body: { stream_id: "ssf_x", subject: { format: "opaque", id: "x" } },
  },
  "POST /ssf/verify": { method: "POST", url: () => "/ssf/verify", body: { stream_id: "ssf_x" } },
  "POST /ssf/poll/:streamId": { method: "POST", url: () => "/ssf/poll/ssf_x", body: {} },
  "POST /v1/ssf/transmitters": {
    method: "POST",
    url: () => "/v1/ssf/transmitters",
    body: { issuer: "https://idp.example", jwksUri: "https://idp.example/jwks", audience: "a" },
  },
  "GET /v1/ssf/transmitters": { method: "GET", url: () => "/v1/ssf/transmitters" },
  "GET /v1/ssf/transmitters/:id": { method: "GET", url: () => "/v1/ssf/transmitters/sst_x" },
  "DELETE /v1/ssf/transmitters/:id": { method: "DELETE", url: () => "/v1/ssf/transmitters/sst_x" },
  "GET /v1/audit/verify": { method: "GET", url: () => "/v1/audit/verify" },
  "GET /v1/receipts": { method: "GET", url: () => "/v1/receipts" },
  "GET /v1/receipts/:id": { method: "GET", url: () => "/v1/receipts/rct_doesnotexist" },
  "GET /v1/signing-keys": { method: "GET", url: () => "/v1/signing-keys" },
  "POST /v1/signing-keys/rotate": { method: "POST", url: () => "/v1/signing-keys/rotate", body: {} },
  "POST /v1/signing-keys/:kid/retire": {
    method: "POST",
    url: () => "/v1/signing-keys/abcdefghijklmnopqrstuvwxyz/retire",
    body: { reason: "r", emergency: true },
  },
  "POST /v1/me/totp": { method: "POST", url: () => "/v1/me/totp" },
  "GET /v1/me/totp": { method: "GET", url: () => "/v1/me/totp" },
  "POST /v1/me/totp/activate": { method: "POST", url: () => "/v1/me/totp/activate", body: { otp: "123456" } },
  "DELETE /v1/me/totp": { method: "DELETE", url: () => "/v1/me/totp", body: { otp: "123456" } },
  "PATCH /v1/principals/:id": {
    method: "PATCH",
    url: (ids) => `/v1/principals/${ids.principal}`,
    body: { allowedScopes: [] },
  },
  "GET /scim/v2/Users/:id": { method: "GET", url: (ids) => `/scim/v2/Users/${ids.principal}` },
  "PATCH /scim/v2/Users/:id": {
    method: "PATCH",
    url: (ids) => `/scim/v2/Users/${ids.principal}`,
    body: {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", path: "active", value: false }],
    },
  },
  "GET /scim/v2/Users": { method: "GET", url: () => "/scim/v2/Users?filter=userName%20eq%20%22nobody%22" },
  "POST /scim/v2/Users": {
    method: "POST",
    url: () => "/scim/v2/Users",
    body: { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "matrix-user@example.com" },
  },
  "PUT /scim/v2/Users/:id": {
    method: "PUT",
    url: (ids) => `/scim/v2/Users/${ids.principal}`,
    body: { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "x", active: true },
  },
  "DELETE /scim/v2/Users/:id": { method: "DELETE", url: (ids) => `/scim/v2/Users/${ids.principal}` },
  "GET /v1/keys/:id/usage": { method: "GET", url: (ids) => `/v1/keys/${ids.key}/usage` },
  "POST /v1/keys/usage": { method: "POST", url: () => "/v1/keys/usage", body: { ids: ["key_00000000000000000000"] } },
  "GET /v1/usage": { method: "GET", url: () => "/v1/usage" },
  "GET /v1/findings": { method: "GET", url: () => "/v1/findings" },
  "GET /v1/findings/:id": { method: "GET", url: () => "/v1/findings/fnd_x" },
  "POST /v1/findings/:id/acknowledge": { method: "POST", url: () => "/v1/findings/fnd_x/acknowledge", body: {} },
  "POST /v1/findings/:id/resolve": { method: "POST", url: () => "/v1/findings/fnd_x/resolve", body: {} },
  "GET /v1/detectors": { method: "GET", url: () => "/v1/detectors" },
  "PUT /v1/detectors/:id": { method: "PUT", url: () => "/v1/detectors/new_network", body: { mode: "alert" } },
  "GET /v1/jobs": { method: "GET", url: () => "/v1/jobs" },
  "POST /v1/jobs/:name/run": { method: "POST", url: () => "/v1/jobs/expiry-warnings/run" },
  "POST /v1/keys/sweep-unused": { method: "POST", url: () => "/v1/keys/sweep-unused", body: { unusedFor: "30d" } },
  "POST /v1/webhooks": {
    method: "POST",
    url: () => "/v1/webhooks",
    body: { url: "https://hooks.example.com/tessera", events: ["key.revoked"] },
  },
  "GET /v1/webhooks": { method: "GET", url: () => "/v1/webhooks" },
  "GET /v1/webhooks/:id": { method: "GET", url: () => "/v1/webhooks/whk_absent" },
  "DELETE /v1/webhooks/:id": { method: "DELETE", url: () => "/v1/webhooks/whk_absent" },
  "POST /v1/webhooks/:id/rotate-secret": {
    method: "POST",
    url: () => "/v1/webhooks/whk_absent/rotate-secret",
    body: {},
  },
  "GET /v1/webhooks/:id/deliveries": { method: "GET", url: () => "/v1/webhooks/whk_absent/deliveries" },
  "POST /v1/webhooks/:id/test": { method: "POST", url: () => "/v1/webhooks/whk_absent/test", body: {} },
  "POST /v1/leaks/check": { method: "POST", url: () => "/v1/leaks/check", body: { tokens: ["tsk_x"] } },
  "POST /v1/leaks": {
    method: "POST",
    url: () => "/v1/leaks",
    body: { leaks: [{ token: "tsk_x", location: "a.ts:1:1" }] },
  },
};

for (const kind of STORE_KINDS) {
  describe(`admin API permission matrix [${kind}]`, () => {
    let h: HttpHarness;
    let victim: { id: string; secret: string; principalId: string };
    const callers: Record<string, string | null> = {};

    beforeAll(async () => {
      h = await createHttpHarness(kind);
      victim = await h.key(["orders:read"], { owner: "victims" });
      const revoked = await h.key(["keys:read"]);
      await h.authority.lifecycle.revoke(revoked.id, "test", h.system);
      const expired = await h.key(["keys:read"], { expiresInMs: 1000 });
      const disabled = await h.key(["keys:read"]);
      await h.authority.principals.disable(disabled.principalId, "test", h.system);
      const suspended = await h.key(["keys:read", "keys:revoke"]);
      await h.authority.lifecycle.suspend(suspended.id, "test", h.system);
      const decoy = await h.authority.keys.issue(
        { principalId: victim.principalId, scopes: [], canary: true },
        h.system,
      );
      h.clock.advance(1000);
      callers.none = null;
      callers.malformed = "not-a-tessera-key";
      callers.unknown = `tsk_${"A".repeat(32)}${"0".repeat(6)}`;
      callers.revoked = revoked.secret;
      callers.expired = expired.secret;
      callers.disabled = disabled.secret;
      callers.suspended = suspended.secret;
      callers.canary = decoy.secret;
    });
    afterAll(async () => {
      await h.close();
    });

    it("has a row for every admin route", () => {
      const adminRoutes = h.routes.filter((r) => r.scopes !== undefined).map((r) => `${r.method} ${r.url}`);
      expect(adminRoutes.sort()).toEqual(Object.keys(CASES).sort());
    });

    let addresses = 0;
    /** A client address no earlier call used (the first refusal of an address is audited at once). */
    const freshAddress = () => {
      addresses += 1;
      return `10.${(addresses >> 16) & 255}.${(addresses >> 8) & 255}.${addresses & 255}`;
    };

    for (const [name, route] of Object.entries(CASES)) {
      it(`${name}: refuses unauthenticated callers with 401 and audits it`, async () => {
        for (const [who, key] of Object.entries(callers)) {
          const before = (await h.authority.audit.list({ action: "auth.failed", limit: 1000 })).items.length;
          const response = await h.call(route.method, route.url({ key: victim.id, principal: victim.principalId }), {
            key,
            remoteAddress: freshAddress(),
            ...(route.body ? { body: route.body } : {}),
          });
          expect(response.statusCode, `${name} as ${who}`).toBe(401);
          expect(response.json().error.code).toBe("unauthenticated");
          expect(response.headers["www-authenticate"]).toContain("Bearer");
          const after = (await h.authority.audit.list({ action: "auth.failed", limit: 1000 })).items;
          expect(after.length, `${name} as ${who} audited`).toBe(before + 1);
          expect(JSON.stringify(after)).not.toContain(
            typeof key === "string" && key.startsWith("tsk_") ? key : "\u0000",
          );
        }
      });

      it(`${name}: refuses a key missing a required scope with 403`, async () => {
        const required = h.routes.find((r) => `${r.method} ${r.url}` === name)?.scopes ?? [];
        if (required.length === 0) {
          // Routes that need an admin key but no particular scope (the caller's own TOTP)
          // refuse a key that holds no admin scope at all.
          const caller = await h.key(["orders:read"]);
          const response = await h.call(route.method, route.url({ key: victim.id, principal: victim.principalId }), {
            key: caller.secret,
            ...(route.body ? { body: route.body } : {}),
          });
          expect(response.statusCode, `${name} without any admin scope`).toBe(403);
          expect(response.json().error.code).toBe("forbidden");
        }
        for (const missing of required) {
          const others = required.filter((s) => s !== missing);
          // Hold everything else (plus an unrelated scope) but not `missing`.
          const caller = await h.key([...others, "orders:read"]);
          const response = await h.call(route.method, route.url({ key: victim.id, principal: victim.principalId }), {
            key: caller.secret,
            ...(route.body ? { body: route.body } : {}),
          });
          expect(response.statusCode, `${name} without ${missing}`).toBe(403);
          expect(response.json().error).toMatchObject({ code: "forbidden", details: { missingScopes: [missing] } });
        }
        // Nothing happened to the victim.
        expect((await h.authority.keys.get(victim.id)).state).toBe("active");
        expect((await h.authority.principals.get(victim.principalId)).status).toBe("active");
      });
    }

    it("answers a canary key exactly as an unknown key (only the request id differs), and records its use", async () => {
      const answer = async (key: string | null) => {
        const response = await h.call("GET", "/v1/keys", { key, remoteAddress: freshAddress() });
        const { requestId: _id, ...error } = response.json().error;
        return { status: response.statusCode, challenge: response.headers["www-authenticate"], error };
      };
      expect(await answer(callers.canary as string)).toEqual(await answer(callers.unknown as string));
      // Recorded in the background (the answer does not wait for it).
      let uses = await h.authority.audit.list({ action: "key.canary_used", limit: 1000 });
      for (let tries = 0; uses.items.length === 0 && tries < 100; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        uses = await h.authority.audit.list({ action: "key.canary_used", limit: 1000 });
      }
      expect(uses.items.length).toBeGreaterThan(0);
      expect(uses.items[0]).toMatchObject({ actor: "system:authority", data: { reportedBy: "authority" } });
    });

    it("refuses introspection without the introspect scope, in RFC 6750 form", async () => {
      const caller = await h.key(["keys:read"]);
      for (const [key, status, error] of [
        [null, 401, "invalid_token"],
        ["garbage", 401, "invalid_token"],
        [callers.revoked, 401, "invalid_token"],
        [caller.secret, 403, "insufficient_scope"],
      ] as const) {
        const response = await h.call("POST", "/oauth/introspect", {
          key,
          body: `token=${victim.secret}`,
          headers: { "content-type": "application/x-www-form-urlencoded" },
        });
        expect(response.statusCode).toBe(status);
        expect(response.json()).toMatchObject({ error });
        expect(response.headers["www-authenticate"]).toContain(`error="${error}"`);
        expect(response.body).not.toContain(victim.secret);
      }
    });

    it("does not let principals:write grant admin scopes the caller lacks", async () => {
      const caller = await h.key(["principals:write"]);
      const response = await h.call("POST", "/v1/principals", {
        key: caller.secret,
        body: { name: "escalate", kind: "service", owner: "o", allowedScopes: ["keys:write"] },
      });
      expect(response.statusCode).toBe(403);
      expect(response.json().error.code).toBe("scope_escalation");
    });
  });
}
