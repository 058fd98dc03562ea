import { afterEach, beforeEach, expect, it } from "vitest";
import { createHttpHarness, type HttpHarness } from "../http-harness.js";
import { describeEachStore } from "../stores.js";

describeEachStore("admin API", (kind) => {
  let h: HttpHarness;
  beforeEach(async () => {
    h = await createHttpHarness(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  const introspect = (token: string) =>
    h.app.inject({
      method: "POST",
      url: "/oauth/introspect",
      headers: { authorization: `Bearer ${h.root.secret}`, "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ token }).toString(),
    });

  it("walks a key through its life: principal, issue, introspect, rotate, rollback, revoke, audit", async () => {
    const principal = await h.call("POST", "/v1/principals", {
      body: { name: "checkout", kind: "service", owner: "payments", allowedScopes: ["orders:read", "orders:write"] },
    });
    expect(principal.statusCode).toBe(201);
    const principalId = principal.json().id as string;

    const issued = await h.call("POST", "/v1/keys", {
      body: { principalId, scopes: ["orders:read"], expiresIn: "30d", description: "checkout prod" },
    });
    expect(issued.statusCode).toBe(201);
    expect(issued.headers["cache-control"]).toBe("no-store");
    const { key, secret } = issued.json() as { key: { id: string; start: string }; secret: string };
    expect(JSON.stringify(issued.json().key)).not.toContain(secret);

    const active = await introspect(secret);
    expect(active.statusCode).toBe(200);
    expect(active.json()).toMatchObject({
      active: true,
      scope: "orders:read",
      sub: principalId,
      token_type: "api_key",
    });

    const shown = await h.call("GET", `/v1/keys/${key.id}`);
    expect(shown.json()).toMatchObject({ id: key.id, state: "active", start: key.start });
    expect(shown.body).not.toContain(secret);

    const rotated = await h.call("POST", `/v1/keys/${key.id}/rotate`, { body: { grace: "1h" } });
    expect(rotated.statusCode).toBe(200);
    const replacementSecret = rotated.json().secret as string;
    expect((await introspect(secret)).json()).toMatchObject({ active: true, deprecated: true });
    const rolledBack = await h.call("POST", `/v1/keys/${key.id}/rollback`, { body: {} });
    expect(rolledBack.statusCode).toBe(200);
    expect((await introspect(replacementSecret)).json()).toEqual({ active: false });

    const revoked = await h.call("POST", `/v1/keys/${key.id}/revoke`, { body: { reason: "leaked in chat" } });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ changed: true, key: { state: "revoked", revokedReason: "leaked in chat" } });
    expect((await introspect(secret)).json()).toEqual({ active: false });

    const list = await h.call("GET", `/v1/keys?principalId=${principalId}&state=revoked`);
    expect(
      list
        .json()
        .items.map((k: { id: string }) => k.id)
        .sort(),
    ).toEqual([key.id, rotated.json().replacement.id].sort());

    const audit = await h.call("GET", `/v1/audit?targetId=${key.id}`);
    expect(audit.json().items.map((r: { action: string }) => r.action)).toEqual([
      "key.issued",
      "key.rotated",
      "key.rotation_rolled_back",
      "key.revoked",
    ]);
    const revokedRecord = audit.json().items[3];
    expect(revokedRecord).toMatchObject({ actor: h.root.principalId, reason: "leaked in chat" });
    expect(revokedRecord.requestId).toBe(revoked.headers["x-request-id"]);

    const verified = await h.call("GET", "/v1/audit/verify");
    expect(verified.statusCode).toBe(200);
    expect(verified.json()).toMatchObject({ ok: true, problems: [] });
    expect(verified.json().records).toBeGreaterThanOrEqual(4);
  });

  it("revokes by selector and reports the count", async () => {
    const a = await h.key(["orders:read"], { owner: "contractor-x" });
    const b = await h.key(["orders:read"], { owner: "contractor-x" });
    const c = await h.key(["orders:read"], { owner: "staff" });
    const response = await h.call("POST", "/v1/revocations", {
      body: { selector: { owner: "contractor-x" }, reason: "contract ended" },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ revoked: 2 });
    expect(response.json().ids.sort()).toEqual([a.id, b.id].sort());
    expect((await introspect(c.secret)).json().active).toBe(true);
    const empty = await h.call("POST", "/v1/revocations", { body: { selector: {}, reason: "x" } });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.code).toBe("selector_empty");
  });

  it("disables a principal over HTTP and every key stops introspecting", async () => {
    const k = await h.key(["orders:read"]);
    const response = await h.call("POST", `/v1/principals/${k.principalId}/disable`, {
      body: { reason: "offboarded" },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().revokedKeyIds).toEqual([k.id]);
    expect((await introspect(k.secret)).json()).toEqual({ active: false });
  });

  it("answers introspection of garbage and unknown tokens with active:false and no reason", async () => {
    for (const token of ["", "garbage", `tsk_${"A".repeat(38)}`, "x".repeat(8000)]) {
      const response = await introspect(token);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ active: false });
    }
  });

  it("serves health, metrics and an OpenAPI document generated from the schemas", async () => {
    expect((await h.call("GET", "/healthz", { key: null })).json()).toEqual({ status: "ok", database: kind });
    await introspect("garbage");
    const metrics = await h.call("GET", "/metrics", { key: null });
    expect(metrics.body).toContain('tessera_api_keys{state="active"} 1');
    expect(metrics.body).toContain('tessera_introspections_total{outcome="malformed"} 1');
    expect(metrics.body).toMatch(
      /tessera_http_requests_total\{route="\/oauth\/introspect",method="POST",status="200"\} 1/,
    );
    const openapi = (await h.call("GET", "/openapi.json", { key: null })).json();
    expect(openapi.openapi).toBe("3.1.0");
    for (const path of [
      "/v1/keys",
      "/v1/keys/{id}/revoke",
      "/v1/revocations",
      "/v1/principals",
      "/v1/audit",
      "/oauth/introspect",
    ]) {
      expect(openapi.paths[path], path).toBeDefined();
    }
    // A canary carries no scopes, so the schema asks only for the principal; the service refuses a
    // non-canary key without scopes (scopes_required).
    expect(openapi.paths["/v1/keys"].post.requestBody.content["application/json"].schema.required).toEqual([
      "principalId",
    ]);
  });
});
