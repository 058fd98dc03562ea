/**
 * The escalation rule (issue 11): a caller never causes a credential to be issued, restored or
 * handed out with an admin scope it does not hold itself. Every admin route is classified here,
 * as one that can bring a credential (or its secret) into being, each with a case below, or one
 * that cannot, with the reason; a route in neither list fails the suite, so a new route cannot
 * forget the rule.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { ADMIN_SCOPES } from "../../src/domain/scopes.js";
import { type Recipient, recipient } from "../campaigns/fixture.js";
import { createHttpHarness, type HttpHarness } from "../http-harness.js";
import { codeAt } from "../stepup/helpers.js";
import { describeEachStore } from "../stores.js";

/** Routes that issue, restore or hand out a credential: each has an escalation case below. */
const GRANTING = [
  "POST /v1/keys",
  "POST /v1/keys/:id/rotate",
  "POST /v1/keys/:id/rollback",
  "POST /v1/keys/:id/resume",
  "POST /v1/principals/:id/resume",
  "POST /v1/principals",
  "PATCH /v1/principals/:id",
  "POST /v1/campaigns",
  "POST /v1/campaigns/:id/execute",
  "POST /v1/campaigns/:id/rollback",
];

/** Routes that cannot, and why. */
const NOT_GRANTING: Record<string, string> = {
  "GET /v1/campaigns": "reads",
  "GET /v1/campaigns/:id": "reads",
  "GET /v1/campaigns/:id/keys": "reads ids and states, never secrets",
  "GET /v1/campaigns/:id/dry-run": "reads",
  "POST /v1/campaigns/:id/finalize": "only revokes",
  "GET /v1/campaigns/:id/export":
    "hands out a file encrypted to a recipient named by the creator or executor, both checked at execute",
  "GET /v1/principals": "reads",
  "GET /v1/principals/:id": "reads",
  "POST /v1/principals/:id/disable": "only revokes",
  "POST /v1/principals/:id/suspend": "only suspends",
  "POST /v1/keys/:id/suspend": "only suspends",
  "GET /v1/keys": "reads, never secrets",
  "GET /v1/keys/:id": "reads, never secrets",
  "POST /v1/keys/:id/revoke": "only revokes",
  "POST /v1/revocations": "only revokes",
  "POST /v1/keys/sweep-unused": "only revokes",
  "GET /v1/audit": "reads",
  "GET /v1/feed": "key hashes and states, never secrets",
  "GET /v1/verifiers": "reads",
  "POST /v1/verifiers/acks": "reports",
  "POST /v1/verifiers/acks/stream": "reports",
  "POST /v1/verifiers/usage": "reports",
  "GET /v1/receipts/:id": "reads",
  "GET /v1/receipts": "reads",
  "GET /v1/audit/verify": "reads",
  "POST /ssf/stream": "configures where events about keys go: ids only, never a secret",
  "GET /ssf/stream": "reads",
  "PATCH /ssf/stream": "configures event delivery: ids only, never a secret",
  "PUT /ssf/stream": "configures event delivery: ids only, never a secret",
  "DELETE /ssf/stream": "stops event delivery",
  "GET /ssf/status": "reads",
  "POST /ssf/status": "pauses or resumes event delivery",
  "POST /ssf/subjects::add": "narrows or widens which events a stream gets",
  "POST /ssf/subjects::remove": "narrows or widens which events a stream gets",
  "POST /ssf/verify": "queues a verification event",
  "POST /ssf/poll/:streamId": "reads events: ids only, never a secret",
  "POST /v1/ssf/transmitters":
    "trusts a signer whose events can only disable principals or revoke keys, which it needs principals:write and keys:revoke for",
  "GET /v1/ssf/transmitters": "reads",
  "GET /v1/ssf/transmitters/:id": "reads",
  "DELETE /v1/ssf/transmitters/:id": "stops trusting a signer",
  "GET /v1/signing-keys": "public keys only",
  "POST /v1/signing-keys/rotate": "signs OAuth access tokens, which the admin API never accepts",
  "POST /v1/signing-keys/:kid/retire": "only invalidates",
  "POST /v1/me/totp": "the caller's own second factor",
  "GET /v1/me/totp": "reads",
  "POST /v1/me/totp/activate": "the caller's own second factor",
  "DELETE /v1/me/totp": "the caller's own second factor",
  "GET /scim/v2/Users/:id": "reads",
  "PATCH /scim/v2/Users/:id": "re-enabling restores no credential: disabling revoked them all",
  "GET /scim/v2/Users": "reads",
  "POST /scim/v2/Users": "a provisioned user is allowed no scope and holds no credential",
  "PUT /scim/v2/Users/:id": "changes SCIM attributes and active only: re-enabling restores no credential",
  "DELETE /scim/v2/Users/:id": "disables (revoking all it holds)",
  "GET /v1/keys/:id/usage": "reads",
  "POST /v1/keys/usage": "reads",
  "GET /v1/usage": "reads",
  "GET /v1/findings": "reads",
  "GET /v1/findings/:id": "reads",
  "POST /v1/findings/:id/acknowledge": "changes a finding's state only",
  "POST /v1/findings/:id/resolve": "changes a finding's state only",
  "GET /v1/detectors": "reads",
  "PUT /v1/detectors/:id": "detectors only suspend or revoke, never restore or issue; never act on admin keys (tested)",
  "GET /v1/jobs": "reads",
  "POST /v1/jobs/:name/run": "expiry and retention only revoke or delete",
  "POST /v1/webhooks": "its signing secret grants no scope; secrets of admin keys never go to webhooks (tested)",
  "GET /v1/webhooks": "reads",
  "GET /v1/webhooks/:id": "reads",
  "DELETE /v1/webhooks/:id": "deletes",
  "POST /v1/webhooks/:id/rotate-secret": "a signing secret grants no scope",
  "GET /v1/webhooks/:id/deliveries": "delivery log without secrets",
  "POST /v1/webhooks/:id/test": "sends a test event",
  "POST /v1/leaks/check": "reads",
  "POST /v1/leaks": "revoke or deprecate only shorten a key's life (tested)",
};

describeEachStore("escalation rule on every path", (kind) => {
  let h: HttpHarness;
  let owner: Recipient;

  /** An admin key holding exactly `scopes`, its principal enrolled in TOTP for step-up. */
  async function caller(scopes: string[]) {
    const key = await h.key(scopes);
    const enrolled = await h.call("POST", "/v1/me/totp", { key: key.secret });
    expect(enrolled.statusCode).toBe(201);
    const totp = enrolled.json().secret as string;
    const activated = await h.call("POST", "/v1/me/totp/activate", {
      key: key.secret,
      body: { otp: codeAt(totp, h.clock.now()) },
    });
    expect(activated.statusCode).toBe(200);
    const stepUp = (justification: string) => {
      h.clock.advance(30_000);
      return { otp: codeAt(totp, h.clock.now()), justification };
    };
    return { ...key, stepUp };
  }

  /** An admin key of its own principal (owner `admins-<n>`), holding `scopes`. */
  let adminOwners = 0;
  async function adminKey(scopes: string[] = [...ADMIN_SCOPES]) {
    const ownerName = `admins-${++adminOwners}`;
    return { ...(await h.key(scopes, { owner: ownerName })), owner: ownerName };
  }

  async function keyCount(): Promise<number> {
    return (await h.authority.keys.list({ limit: 1000 })).items.length;
  }

  beforeAll(async () => {
    h = await createHttpHarness(kind);
    owner = await recipient();
  });
  afterAll(async () => {
    await h.close();
  });

  it("classifies every admin route", () => {
    const adminRoutes = h.routes.filter((r) => r.scopes !== undefined).map((r) => `${r.method} ${r.url}`);
    const classified = [...GRANTING, ...Object.keys(NOT_GRANTING)];
    expect(new Set(classified).size).toBe(classified.length);
    expect(adminRoutes.sort()).toEqual(classified.sort());
  });

  it("POST /v1/keys: keys:write cannot issue a key with an admin scope it lacks", async () => {
    const writer = await h.key(["keys:write"]);
    const before = await keyCount();
    const response = await h.call("POST", "/v1/keys", {
      key: writer.secret,
      body: { principalId: h.root.principalId, scopes: ["audit:read"] },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().error).toMatchObject({ code: "scope_escalation", details: { notHeld: ["audit:read"] } });
    expect(await keyCount()).toBe(before);
  });

  it("POST /v1/keys/:id/rotate: keys:write cannot rotate the root key into a secret it reads", async () => {
    const writer = await h.key(["keys:write"]);
    const root = await adminKey();
    const before = await keyCount();
    const response = await h.call("POST", `/v1/keys/${root.id}/rotate`, { key: writer.secret, body: {} });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe("scope_escalation");
    expect(response.body).not.toMatch(/tsk_/);
    expect(await keyCount()).toBe(before);
    expect((await h.authority.keys.get(root.id)).state).toBe("active");
    // A key within the caller's own admin scopes still rotates.
    const own = await h.key(["keys:write"]);
    const allowed = await h.call("POST", `/v1/keys/${own.id}/rotate`, { key: writer.secret, body: {} });
    expect(allowed.statusCode).toBe(200);
  });

  it("POST /v1/keys/:id/rollback: keys:write + keys:revoke cannot bring back a rotated admin key", async () => {
    const writer = await h.key(["keys:write", "keys:revoke"]);
    const root = await adminKey();
    await h.authority.lifecycle.rotate(root.id, {}, h.system);
    const response = await h.call("POST", `/v1/keys/${root.id}/rollback`, { key: writer.secret, body: {} });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe("scope_escalation");
    expect((await h.authority.keys.get(root.id)).state).toBe("deprecated");
  });

  it("POST /v1/keys/:id/resume: keys:revoke cannot bring back a suspended admin key", async () => {
    const revoker = await h.key(["keys:revoke"]);
    const root = await adminKey();
    await h.authority.lifecycle.suspend(root.id, "check", h.system);
    const response = await h.call("POST", `/v1/keys/${root.id}/resume`, {
      key: revoker.secret,
      body: { reason: "let me in" },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe("scope_escalation");
    expect((await h.authority.keys.get(root.id)).state).toBe("suspended");
    // A key within the caller's own admin scopes resumes.
    const own = await h.key(["keys:revoke"]);
    await h.authority.lifecycle.suspend(own.id, "check", h.system);
    const allowed = await h.call("POST", `/v1/keys/${own.id}/resume`, { key: revoker.secret, body: { reason: "ok" } });
    expect(allowed.statusCode).toBe(200);
  });

  it("POST /v1/principals/:id/resume: principals:write + keys:revoke cannot bring back a suspended admin key", async () => {
    const resumer = await h.key(["principals:write", "keys:revoke"]);
    const root = await adminKey();
    await h.authority.principalSuspension.suspend(root.principalId, "check", h.system);
    const response = await h.call("POST", `/v1/principals/${root.principalId}/resume`, {
      key: resumer.secret,
      body: { reason: "let me in" },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe("scope_escalation");
    expect((await h.authority.keys.get(root.id)).state).toBe("suspended");
    expect((await h.authority.principals.get(root.principalId)).suspendedAt).not.toBeNull();
  });

  it("POST /v1/principals: principals:write cannot mint a principal allowed keys:write", async () => {
    const writer = await h.key(["principals:write"]);
    const response = await h.call("POST", "/v1/principals", {
      key: writer.secret,
      body: { name: "escalate", kind: "service", owner: "o", allowedScopes: ["keys:write"] },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe("scope_escalation");
  });

  it("PATCH /v1/principals/:id: principals:write can neither widen a principal nor change a more privileged one", async () => {
    const writer = await h.key(["principals:write", "keys:revoke"]);
    const plain = await h.key(["orders:read"]);
    const widen = await h.call("PATCH", `/v1/principals/${plain.principalId}`, {
      key: writer.secret,
      body: { allowedScopes: ["orders:read", "keys:write"] },
    });
    expect(widen.statusCode).toBe(403);
    expect(widen.json().error.code).toBe("scope_escalation");
    // The owner decides where new secrets are sent: moving the root principal to another owner is escalation too.
    const root = await adminKey();
    const move = await h.call("PATCH", `/v1/principals/${root.principalId}`, {
      key: writer.secret,
      body: { owner: "attackers" },
    });
    expect(move.statusCode).toBe(403);
    expect((await h.authority.principals.get(root.principalId)).owner).toBe(root.owner);
    // Its own kind of principal it may still change.
    const ok = await h.call("PATCH", `/v1/principals/${plain.principalId}`, {
      key: writer.secret,
      body: { owner: "new-team" },
    });
    expect(ok.statusCode).toBe(200);
  });

  it("POST /v1/campaigns/:id/execute: keys:write cannot rotate admin keys into an export it decrypts", async () => {
    const writer = await caller(["keys:write"]);
    const root = await adminKey();
    const created = await h.call("POST", "/v1/campaigns", {
      key: writer.secret,
      body: {
        selector: { owner: root.owner },
        description: "rotate",
        exportRecipients: { [root.owner]: owner.publicJwk },
      },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().campaign.id as string;
    const before = await keyCount();
    const response = await h.call("POST", `/v1/campaigns/${id}/execute`, {
      key: writer.secret,
      body: { stepUp: writer.stepUp("rotating the admins") },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe("scope_escalation");
    expect(await keyCount()).toBe(before);
    expect((await h.authority.keys.get(root.id)).state).toBe("active");
    expect((await h.authority.campaigns.status(id)).campaign.status).toBe("draft");
  });

  /** A key holding only `scopes` of a principal allowed every admin scope (owner `admins-<n>`). */
  async function lesserKeyOfAdminPrincipal(scopes: string[]) {
    const ownerName = `admins-${++adminOwners}`;
    const principalId = await h.principal({ owner: ownerName, scopes: [...ADMIN_SCOPES, "orders:read"] });
    const issued = await h.authority.keys.issue({ principalId, scopes }, h.system);
    return { id: issued.key.id, secret: issued.secret, principalId, owner: ownerName };
  }

  it("POST /v1/keys: keys:write cannot mint an admin key of a principal allowed more, nor enrol its second factor", async () => {
    const writer = await h.key(["keys:write"]);
    const before = await keyCount();
    const response = await h.call("POST", "/v1/keys", {
      key: writer.secret,
      body: { principalId: h.root.principalId, scopes: ["keys:write"] },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe("scope_escalation");
    expect(await keyCount()).toBe(before);
    // The root principal's second factor is still the root's to enrol.
    expect((await h.call("POST", "/v1/me/totp", { key: h.root.secret })).statusCode).toBe(201);
    // A key with no admin scope cannot use the admin API: it may still be issued to such a principal.
    const service = await lesserKeyOfAdminPrincipal(["keys:write"]);
    const plain = await h.call("POST", "/v1/keys", {
      key: writer.secret,
      body: { principalId: service.principalId, scopes: ["orders:read"] },
    });
    expect(plain.statusCode).toBe(201);
  });

  it("POST /v1/keys/:id/rotate: keys:write cannot rotate a keys:write key of a principal allowed more", async () => {
    const writer = await h.key(["keys:write"]);
    const lesser = await lesserKeyOfAdminPrincipal(["keys:write"]);
    const before = await keyCount();
    const response = await h.call("POST", `/v1/keys/${lesser.id}/rotate`, { key: writer.secret, body: {} });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe("scope_escalation");
    expect(response.body).not.toMatch(/tsk_/);
    expect(await keyCount()).toBe(before);
    expect((await h.authority.keys.get(lesser.id)).state).toBe("active");
  });

  it("POST /v1/campaigns/:id/execute: keys:write cannot replace a keys:write key of a principal allowed more", async () => {
    const writer = await caller(["keys:write"]);
    const lesser = await lesserKeyOfAdminPrincipal(["keys:write"]);
    const created = await h.call("POST", "/v1/campaigns", {
      key: writer.secret,
      body: {
        selector: { owner: lesser.owner },
        description: "rotate",
        exportRecipients: { [lesser.owner]: owner.publicJwk },
      },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().campaign.id as string;
    const before = await keyCount();
    const response = await h.call("POST", `/v1/campaigns/${id}/execute`, {
      key: writer.secret,
      body: { stepUp: writer.stepUp("rotating the admins' keys") },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe("scope_escalation");
    expect(await keyCount()).toBe(before);
    expect((await h.authority.keys.get(lesser.id)).state).toBe("active");
  });

  it("POST /v1/campaigns: a creator's recipients never receive admin secrets it lacks, even when a root executes", async () => {
    const writer = await h.key(["keys:write"]);
    const executor = await caller([...ADMIN_SCOPES]);
    const root = await adminKey();
    const created = await h.call("POST", "/v1/campaigns", {
      key: writer.secret,
      body: {
        selector: { owner: root.owner },
        description: "rotate",
        exportRecipients: { [root.owner]: owner.publicJwk },
      },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().campaign.id as string;
    const response = await h.call("POST", `/v1/campaigns/${id}/execute`, {
      key: executor.secret,
      body: { stepUp: executor.stepUp("approved") },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe("scope_escalation");
    expect((await h.authority.keys.get(root.id)).state).toBe("active");
  });

  it("campaign secrets of admin keys never go to a webhook: an export recipient is required", async () => {
    const executor = await caller([...ADMIN_SCOPES]);
    const root = await adminKey();
    await h.authority.webhooks.create(
      { url: "https://hooks.example.com/secrets", events: ["key.secret_distributed"], owner: root.owner },
      h.system,
    );
    const created = await h.call("POST", "/v1/campaigns", {
      key: executor.secret,
      body: { selector: { owner: root.owner }, description: "rotate" },
    });
    const id = created.json().campaign.id as string;
    const refused = await h.call("POST", `/v1/campaigns/${id}/execute`, {
      key: executor.secret,
      body: { stepUp: executor.stepUp("approved") },
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toMatchObject({ code: "no_distribution_channel", details: { adminScopes: true } });
    expect((await h.authority.keys.get(root.id)).state).toBe("active");
    const executed = await h.call("POST", `/v1/campaigns/${id}/execute`, {
      key: executor.secret,
      body: { stepUp: executor.stepUp("approved"), exportRecipients: { [root.owner]: owner.publicJwk } },
    });
    expect(executed.statusCode).toBe(200);
    expect(executed.json().distribution.webhooks.secrets).toBe(0);
  });

  it("POST /v1/campaigns/:id/rollback: keys:write + keys:revoke cannot bring back admin keys", async () => {
    const executor = await caller([...ADMIN_SCOPES]);
    const root = await adminKey();
    const created = await h.call("POST", "/v1/campaigns", {
      key: executor.secret,
      body: {
        selector: { owner: root.owner },
        description: "rotate",
        exportRecipients: { [root.owner]: owner.publicJwk },
      },
    });
    const id = created.json().campaign.id as string;
    const executed = await h.call("POST", `/v1/campaigns/${id}/execute`, {
      key: executor.secret,
      body: { stepUp: executor.stepUp("approved") },
    });
    expect(executed.statusCode).toBe(200);
    const lesser = await h.key(["keys:write", "keys:revoke"]);
    const response = await h.call("POST", `/v1/campaigns/${id}/rollback`, {
      key: lesser.secret,
      body: { reason: "undo" },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe("scope_escalation");
    expect((await h.authority.keys.get(root.id)).state).toBe("deprecated");
    expect((await h.authority.campaigns.status(id)).campaign.status).toBe("executed");
  });

  it("POST /v1/leaks with deprecate never lengthens a key's life", async () => {
    const reporter = await h.key(["leaks:report"]);
    const shortLived = await h.key(["orders:read"], { expiresInMs: 60_000 });
    const expiresAt = (await h.authority.keys.get(shortLived.id)).expiresAt;
    const response = await h.call("POST", "/v1/leaks", {
      key: reporter.secret,
      body: { action: "deprecate", leaks: [{ token: shortLived.secret, location: "ci.log:1:1" }] },
    });
    expect(response.statusCode).toBe(200);
    const after = await h.authority.keys.get(shortLived.id);
    expect(after.state).toBe("deprecated");
    expect(after.expiresAt).toBe(expiresAt);
  });
});
