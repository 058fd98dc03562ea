/**
 * SCIM 2.0 end to end over HTTP, with the request shapes Entra ID and Okta document for their
 * provisioning (Microsoft's "Develop a SCIM endpoint" walk-through; Okta's SCIM 2.0 guide):
 * look up by userName, provision, read, change, deactivate (every credential revoked),
 * reactivate, delete; discovery; SCIM errors.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { createHttpHarness, type HttpHarness } from "../http-harness.js";
import { describeEachStore } from "../stores.js";

const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const scimJson = { "content-type": "application/scim+json" };

describeEachStore("SCIM 2.0 users", (kind) => {
  let h: HttpHarness;
  beforeEach(async () => {
    h = await createHttpHarness(kind);
  });
  afterEach(async () => {
    await h.close();
  });
  const scim = (method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", url: string, body?: unknown) =>
    h.call(method, `/scim/v2${url}`, {
      headers: scimJson,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const lookup = (userName: string) => scim("GET", `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
  const introspect = async (token: string) =>
    (
      await h.call("POST", "/oauth/introspect", {
        body: `token=${token}`,
        headers: { "content-type": "application/x-www-form-urlencoded" },
      })
    ).json().active as boolean;

  it("provisions and deprovisions as Entra ID does, and deprovisioning revokes what the user holds", async () => {
    const userName = "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1";
    const none = await lookup(userName);
    expect(none.statusCode).toBe(200);
    expect(none.headers["content-type"]).toContain("application/scim+json");
    expect(none.json()).toMatchObject({ totalResults: 0, Resources: [] });

    const created = await scim("POST", "/Users", {
      schemas: [USER, ENTERPRISE],
      externalId: "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
      userName,
      active: true,
      emails: [{ primary: true, type: "work", value: "Test_User_fd0ea19b@testuser.com" }],
      meta: { resourceType: "User" },
      name: { formatted: "givenName familyName", familyName: "familyName", givenName: "givenName" },
      roles: [],
      [ENTERPRISE]: { department: "Finance" },
    });
    expect(created.statusCode).toBe(201);
    const user = created.json();
    expect(user).toMatchObject({
      schemas: [USER],
      userName,
      externalId: "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
      active: true,
      name: { familyName: "familyName", givenName: "givenName" },
      emails: [{ value: "Test_User_fd0ea19b@testuser.com", type: "work", primary: true }],
      meta: { resourceType: "User" },
    });
    expect(user.id).toMatch(/^prn_/);
    expect(created.headers.location).toBe(user.meta.location);
    const principal = await h.authority.principals.get(user.id);
    expect(principal).toMatchObject({ kind: "user", name: userName, allowedScopes: [], status: "active" });

    expect((await lookup(userName)).json()).toMatchObject({ totalResults: 1, Resources: [{ id: user.id }] });
    expect((await scim("GET", `/Users/${user.id}`)).json()).toMatchObject({ id: user.id, userName });
    expect((await lookup("non-existent user")).json().totalResults).toBe(0);
    expect((await scim("POST", "/Users", { schemas: [USER], userName })).json()).toMatchObject({
      status: "409",
      scimType: "uniqueness",
    });

    // Entra's update: a value-filtered path, a sub-attribute, an ignored extension attribute.
    const patched = await scim("PATCH", `/Users/${user.id}`, {
      schemas: [PATCH],
      Operations: [
        { op: "Replace", path: 'emails[type eq "work"].value', value: "updatedEmail@microsoft.com" },
        { op: "Replace", path: "name.familyName", value: "updatedFamilyName" },
        { op: "Add", path: `${ENTERPRISE}:employeeNumber`, value: "42" },
      ],
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({
      emails: [{ value: "updatedEmail@microsoft.com", type: "work" }],
      name: { familyName: "updatedFamilyName", givenName: "givenName" },
    });

    // An operator grants the user something; the IdP then deactivates it.
    await h.call("PATCH", `/v1/principals/${user.id}`, { body: { allowedScopes: ["orders:read"] } });
    const key = (await h.call("POST", "/v1/keys", { body: { principalId: user.id, scopes: ["orders:read"] } })).json();
    expect(await introspect(key.secret)).toBe(true);
    const off = await scim("PATCH", `/Users/${user.id}`, {
      schemas: [PATCH],
      Operations: [{ op: "Replace", path: "active", value: "False" }],
    });
    expect(off.json()).toMatchObject({ active: false });
    expect(await introspect(key.secret)).toBe(false);
    const audit = await h.authority.audit.list({ targetId: user.id, action: "principal.disabled" });
    expect(audit.items[0]?.reason).toBe("deprovisioned by the identity provider (SCIM)");

    expect((await scim("DELETE", `/Users/${user.id}`)).statusCode).toBe(204);
    expect((await scim("GET", `/Users/${user.id}`)).json()).toMatchObject({ status: "404" });
    expect((await lookup(userName)).json().totalResults).toBe(0);
    // Provisioned again: the same principal comes back, its old credential stays revoked.
    const again = await scim("POST", "/Users", { schemas: [USER], userName, active: true });
    expect(again.statusCode).toBe(201);
    expect(again.json().id).toBe(user.id);
    expect(await introspect(key.secret)).toBe(false);
  });

  it("takes Okta's shapes: paged lookup, PUT with active false, path-less PATCH", async () => {
    const userName = "isaac.brock@example.com";
    const paged = await scim(
      "GET",
      `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}&startIndex=1&count=100`,
    );
    expect(paged.json()).toMatchObject({ totalResults: 0, startIndex: 1, itemsPerPage: 0 });
    const created = (
      await scim("POST", "/Users", {
        schemas: [USER],
        userName,
        name: { givenName: "Isaac", familyName: "Brock" },
        emails: [{ primary: true, value: userName, type: "work" }],
        displayName: "Isaac Brock",
        locale: "en-US",
        externalId: "00ujl29u0le5T6Aj10h7",
        groups: [],
        password: "1mz050nq",
        active: true,
      })
    ).json();
    expect(created).not.toHaveProperty("password");
    const put = await scim("PUT", `/Users/${created.id}`, { ...created, active: false, displayName: "I. Brock" });
    expect(put.json()).toMatchObject({ active: false, displayName: "I. Brock" });
    const on = await scim("PATCH", `/Users/${created.id}`, {
      schemas: [PATCH],
      Operations: [{ op: "replace", value: { active: true } }],
    });
    expect(on.json()).toMatchObject({ active: true, displayName: "I. Brock" });
    const renamed = await scim("PUT", `/Users/${created.id}`, { ...created, userName: "other@example.com" });
    expect(renamed.json()).toMatchObject({ status: "400", scimType: "mutability" });
  });

  it("lists with filters beyond userName, pages by startIndex and count", async () => {
    for (const n of [1, 2, 3]) {
      await scim("POST", "/Users", {
        schemas: [USER],
        userName: `u${n}@example.com`,
        externalId: `x-${n}`,
        active: n !== 2,
      });
    }
    const active = (await scim("GET", `/Users?filter=${encodeURIComponent("active eq true")}`)).json();
    expect(active.Resources.map((u: { userName: string }) => u.userName)).toEqual(["u1@example.com", "u3@example.com"]);
    const page = (await scim("GET", "/Users?startIndex=2&count=1")).json();
    expect(page).toMatchObject({ totalResults: 3, startIndex: 2, itemsPerPage: 1 });
    expect(page.Resources[0].userName).toBe("u2@example.com");
  });

  it("answers bad input with SCIM errors and changes nothing", async () => {
    const bad = await scim("GET", `/Users?filter=${encodeURIComponent('userName eq "unterminated')}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
      status: "400",
      scimType: "invalidFilter",
    });
    const noName = await scim("POST", "/Users", { schemas: [USER], active: true });
    expect(noName.json()).toMatchObject({ status: "400", scimType: "invalidValue" });
    const user = (await scim("POST", "/Users", { schemas: [USER], userName: "z@example.com" })).json();
    const badOp = await scim("PATCH", `/Users/${user.id}`, {
      schemas: [PATCH],
      Operations: [{ op: "move", path: "active" }],
    });
    expect(badOp.json()).toMatchObject({ status: "400", scimType: "invalidSyntax" });
    const removeName = await scim("PATCH", `/Users/${user.id}`, {
      schemas: [PATCH],
      Operations: [
        { op: "replace", path: "displayName", value: "changed" },
        { op: "remove", path: "userName" },
      ],
    });
    expect(removeName.json()).toMatchObject({ status: "400", scimType: "mutability" });
    expect((await scim("GET", `/Users/${user.id}`)).json()).not.toHaveProperty("displayName");
    expect((await scim("DELETE", "/Users/prn_unknown")).statusCode).toBe(404);
    expect((await h.call("GET", "/scim/v2/Users", { key: null })).statusCode).toBe(401);
  });

  it("describes itself: ServiceProviderConfig, ResourceTypes, Schemas (no key needed)", async () => {
    const config = (await h.call("GET", "/scim/v2/ServiceProviderConfig", { key: null })).json();
    expect(config).toMatchObject({
      patch: { supported: true },
      filter: { supported: true },
      bulk: { supported: false },
    });
    const types = (await h.call("GET", "/scim/v2/ResourceTypes", { key: null })).json();
    expect(types.Resources).toEqual([expect.objectContaining({ id: "User", endpoint: "/Users", schema: USER })]);
    const schemas = (await h.call("GET", "/scim/v2/Schemas", { key: null })).json();
    expect(schemas.Resources[0].attributes.map((a: { name: string }) => a.name)).toContain("userName");
  });
});
