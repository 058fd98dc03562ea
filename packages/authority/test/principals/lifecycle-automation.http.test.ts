import { afterEach, beforeEach, expect, it } from "vitest";
import { createHttpHarness, type HttpHarness } from "../http-harness.js";
import { describeEachStore } from "../stores.js";

describeEachStore("lifecycle automation: role narrowing and SCIM deprovisioning", (kind) => {
  let h: HttpHarness;
  beforeEach(async () => {
    h = await createHttpHarness(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  async function principalWithKeys() {
    const principalId = await h.principal({ scopes: ["orders:read", "orders:write", "billing:read"] });
    const issue = async (scopes: string[]) => (await h.authority.keys.issue({ principalId, scopes }, h.system)).key.id;
    return {
      principalId,
      readOnly: await issue(["orders:read"]),
      readWrite: await issue(["orders:read", "orders:write"]),
      writeOnly: await issue(["orders:write"]),
    };
  }

  it("narrowing a principal's scopes revokes the keys that exceed them, each audited with the trigger", async () => {
    const p = await principalWithKeys();
    const response = await h.call("PATCH", `/v1/principals/${p.principalId}`, {
      body: { allowedScopes: ["orders:read", "billing:read"], reason: "moved to the reporting team" },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ removedScopes: ["orders:write"], narrowedKeyIds: [] });
    expect(response.json().revokedKeyIds.sort()).toEqual([p.readWrite, p.writeOnly].sort());
    expect((await h.authority.keys.get(p.readOnly)).state).toBe("active");
    const revoked = await h.authority.keys.get(p.readWrite);
    expect(revoked.state).toBe("revoked");
    expect(revoked.revokedReason).toContain("removed orders:write");
    const audit = await h.authority.audit.list({ targetId: p.writeOnly });
    expect(audit.items.at(-1)).toMatchObject({
      action: "key.revoked",
      data: { trigger: "principal.scopes_narrowed", principalId: p.principalId },
    });
    // Issuing a key with the removed scope is now refused.
    await expect(
      h.authority.keys.issue({ principalId: p.principalId, scopes: ["orders:write"] }, h.system),
    ).rejects.toMatchObject({ code: "scope_not_allowed" });
  });

  it("under the narrow policy keeps keys with the scopes still allowed, revoking those left with none", async () => {
    const p = await principalWithKeys();
    const response = await h.call("PATCH", `/v1/principals/${p.principalId}`, {
      body: { allowedScopes: ["orders:read"], onExceedingKeys: "narrow" },
    });
    expect(response.json()).toMatchObject({ narrowedKeyIds: [p.readWrite], revokedKeyIds: [p.writeOnly] });
    expect(await h.authority.keys.get(p.readWrite)).toMatchObject({ state: "active", scopes: ["orders:read"] });
    const changes = await h.authority.database.db.selectFrom("change_log").select(["type", "data"]).execute();
    expect(changes.map((c) => c.type)).toContain("key.updated");
  });

  it("widening or relabelling changes no key", async () => {
    const p = await principalWithKeys();
    const response = await h.call("PATCH", `/v1/principals/${p.principalId}`, {
      body: { allowedScopes: ["orders:read", "orders:write", "billing:read", "billing:write"], owner: "new-team" },
    });
    expect(response.json()).toMatchObject({ removedScopes: [], revokedKeyIds: [], narrowedKeyIds: [] });
    expect(response.json().principal.owner).toBe("new-team");
    for (const id of [p.readOnly, p.readWrite, p.writeOnly])
      expect((await h.authority.keys.get(id)).state).toBe("active");
  });

  it("SCIM PATCH active:false (as identity providers send it) disables the user and revokes everything", async () => {
    const p = await principalWithKeys();
    const name = (await h.authority.principals.get(p.principalId)).name;
    const scim = { "content-type": "application/scim+json" };
    const read = await h.call("GET", `/scim/v2/Users/${name}`);
    expect(read.json()).toMatchObject({ id: p.principalId, userName: name, active: true });

    // Entra ID style: path + string value.
    const response = await h.call("PATCH", `/scim/v2/Users/${p.principalId}`, {
      headers: scim,
      body: JSON.stringify({
        schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        Operations: [{ op: "Replace", path: "active", value: "False" }],
      }),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toContain("application/scim+json");
    expect(response.json()).toMatchObject({ active: false });
    for (const id of [p.readOnly, p.readWrite, p.writeOnly])
      expect((await h.authority.keys.get(id)).state).toBe("revoked");
    const audit = await h.authority.audit.list({ targetId: p.principalId, action: "principal.disabled" });
    expect(audit.items[0]?.reason).toContain("SCIM");

    // Okta style: value object; reactivation does not bring keys back.
    const again = await h.call("PATCH", `/scim/v2/Users/${name}`, {
      headers: scim,
      body: JSON.stringify({
        schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        Operations: [{ op: "replace", value: { active: true } }],
      }),
    });
    expect(again.json()).toMatchObject({ active: true });
    expect((await h.authority.keys.get(p.readOnly)).state).toBe("revoked");
  });

  it("answers SCIM errors in the SCIM shape: unknown user, malformed body", async () => {
    const scim = { "content-type": "application/scim+json" };
    const patch = JSON.stringify({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", path: "active", value: false }],
    });
    const unknown = await h.call("PATCH", "/scim/v2/Users/nobody", { headers: scim, body: patch });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "404" });
    const p = await h.principal();
    for (const body of [
      "{}",
      '{"Operations":"x"}',
      JSON.stringify({
        schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        Operations: [{ op: "replace", path: "active", value: "maybe" }],
      }),
    ]) {
      const bad = await h.call("PATCH", `/scim/v2/Users/${p}`, { headers: scim, body });
      expect(bad.statusCode, body).toBe(400);
      expect(bad.json().scimType).toBe(body.includes("maybe") ? "invalidValue" : "invalidSyntax");
    }
    const broken = await h.call("PATCH", `/scim/v2/Users/${p}`, { headers: scim, body: "{not json" });
    expect(broken.statusCode).toBe(400);
    expect((await h.authority.principals.get(p)).status).toBe("active");
  });
});
