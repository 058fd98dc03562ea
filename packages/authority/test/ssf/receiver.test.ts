/**
 * The SSF receiver: an identity provider pushes CAEP and RISC events (RFC 8935) signed with its
 * own key. An event about a user principal disables it (or revokes its keys), with the event in
 * the audit; a SET with a wrong signature, issuer, audience or type, a stale one, or a replay is
 * refused with RFC 8935's error, audited, and changes nothing.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { describeEachStore } from "../stores.js";
import { type SsfFixture, startSsfFixture } from "./fixture.js";
import { startIdp, type TestIdp } from "./idp.js";

const CAEP = "https://schemas.openid.net/secevent/caep/event-type";
const RISC = "https://schemas.openid.net/secevent/risc/event-type";
const AUDIENCE = "https://tessera.example";

describeEachStore("SSF receiver", (kind) => {
  let f: SsfFixture;
  let idp: TestIdp;
  let alice: { principalId: string; keyId: string; secret: string };

  beforeEach(async () => {
    f = await startSsfFixture(kind);
    idp = await startIdp("EdDSA");
    const added = await f.call("POST", "/v1/ssf/transmitters", {
      issuer: idp.issuer,
      jwksUri: idp.jwksUri,
      audience: AUDIENCE,
    });
    expect(added.status).toBe(201);
    const principal = await f.call<{ id: string }>("POST", "/v1/principals", {
      name: "alice@example.com",
      kind: "user",
      owner: "people",
      allowedScopes: ["orders:read"],
    });
    const key = await f.call<{ key: { id: string }; secret: string }>("POST", "/v1/keys", {
      principalId: principal.body.id,
      scopes: ["orders:read"],
    });
    alice = { principalId: principal.body.id, keyId: key.body.key.id, secret: key.body.secret };
  });
  afterEach(async () => {
    await idp.close();
    await f.close();
  });

  const push = async (jwt: string, contentType = "application/secevent+jwt") => {
    const response = await fetch(`${f.server.url}/ssf/receiver/events`, {
      method: "POST",
      headers: { "content-type": contentType },
      body: jwt,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  const introspect = async (token: string) =>
    (await f.call<{ active: boolean }>("POST", "/oauth/introspect", { token })).body.active;
  const aliceStatus = async () =>
    (await f.call<{ status: string }>("GET", `/v1/principals/${alice.principalId}`)).body.status;
  const sessionRevoked = (email = "alice@example.com") => ({
    sub_id: { format: "email", email },
    events: { [`${CAEP}/session-revoked`]: { event_timestamp: Math.floor(Date.now() / 1000) } },
  });

  it("disables the user principal a session-revoked event names, with the event in the audit", async () => {
    expect(await introspect(alice.secret)).toBe(true);
    const jwt = await idp.sign(sessionRevoked());
    const answer = await push(jwt);
    expect(answer.status).toBe(202);
    expect(await aliceStatus()).toBe("disabled");
    expect(await introspect(alice.secret)).toBe(false);
    const audit = await f.call<{ items: { action: string; reason: string; actor: string }[] }>(
      "GET",
      `/v1/audit?targetId=${alice.principalId}&action=principal.disabled`,
    );
    expect(audit.body.items[0]?.reason).toMatch(/^session-revoked from https:\/\/idp\.example \(SET /);
    expect(audit.body.items[0]?.actor).toMatch(/^ssf:sst_/);
  });

  it("refuses a replay, a wrong signature, issuer, audience or type, and a stale SET, changing nothing", async () => {
    const other = await startIdp("EdDSA");
    try {
      const cases: [string, Promise<string>, string][] = [
        ["signed by another key", other.sign(sessionRevoked()), "invalid_key"],
        ["unknown issuer", idp.sign(sessionRevoked(), { issuer: "https://evil.example" }), "invalid_issuer"],
        [
          "another audience",
          idp.sign(sessionRevoked(), { audience: "https://someone-else.example" }),
          "invalid_audience",
        ],
        ["not a SET", idp.sign(sessionRevoked(), { typ: "JWT" }), "invalid_request"],
        [
          "two days old",
          idp.sign(sessionRevoked(), { iat: Math.floor(Date.now() / 1000) - 2 * 86_400 }),
          "invalid_request",
        ],
      ];
      for (const [what, jwt, err] of cases) {
        const answer = await push(await jwt);
        expect(answer.status, what).toBe(400);
        expect(answer.body.err, what).toBe(err);
      }
      expect((await push("not-a-jwt")).body.err).toBe("invalid_request");
      expect((await push(await idp.sign(sessionRevoked()), "application/json")).status).toBe(400);
      expect(await aliceStatus()).toBe("active");
      const refused = await f.call<{ items: unknown[] }>("GET", "/v1/audit?action=ssf.set_refused");
      expect(refused.body.items).toHaveLength(6);
      const scraped = await (await fetch(`${f.server.url}/metrics`)).text();
      expect(scraped).toContain('tessera_ssf_received_sets_total{outcome="invalid_key"} 1');
      expect(scraped).toContain('tessera_ssf_received_sets_total{outcome="invalid_request"} 3');

      // A replay: the same SET a second time, after alice was re-created in between would not matter.
      const jwt = await idp.sign({ ...sessionRevoked("nobody@example.com") });
      expect((await push(jwt)).status).toBe(202);
      const again = await push(jwt);
      expect(again).toEqual({
        status: 400,
        body: { err: "invalid_request", description: expect.stringContaining("replay") },
      });
    } finally {
      await other.close();
    }
  });

  it("accepts an event about an unknown subject without acting, and records it", async () => {
    expect((await push(await idp.sign(sessionRevoked("stranger@example.com")))).status).toBe(202);
    expect(await aliceStatus()).toBe("active");
    const received = await f.call<{ items: { data: { events: { action: string }[] } }[] }>(
      "GET",
      "/v1/audit?action=ssf.set_received",
    );
    expect(received.body.items[0]?.data.events).toEqual([
      { type: `${CAEP}/session-revoked`, principalId: null, action: "ignored" },
    ]);
  });

  it("revokes the user's keys instead, for a transmitter configured so, from an RS256 key given inline", async () => {
    const rsa = await startIdp("RS256");
    try {
      await f.call(
        "DELETE",
        `/v1/ssf/transmitters/${(await f.call<{ items: { id: string }[] }>("GET", "/v1/ssf/transmitters")).body.items[0]?.id}`,
      );
      const added = await f.call("POST", "/v1/ssf/transmitters", {
        issuer: rsa.issuer,
        jwks: { keys: [rsa.publicJwk] },
        audience: AUDIENCE,
        action: "revoke",
      });
      expect(added.status).toBe(201);
      const jwt = await rsa.sign({
        sub_id: { format: "email", email: "ALICE@example.com" },
        events: { [`${RISC}/credential-compromise`]: { credential_type: "password" } },
      });
      expect((await push(jwt)).status).toBe(202);
      expect(await introspect(alice.secret)).toBe(false);
      expect(await aliceStatus()).toBe("active");
      const key = await f.call<{ state: string; revokedReason: string }>("GET", `/v1/keys/${alice.keyId}`);
      expect(key.body.state).toBe("revoked");
      expect(key.body.revokedReason).toMatch(/^credential-compromise from https:\/\/idp\.example/);
    } finally {
      await rsa.close();
    }
  });

  it("manages trusted transmitters: one issuer once, bad key sources refused, changes audited", async () => {
    const dup = await f.call("POST", "/v1/ssf/transmitters", {
      issuer: idp.issuer,
      jwksUri: idp.jwksUri,
      audience: AUDIENCE,
    });
    expect(dup.status).toBe(409);
    const both = await f.call("POST", "/v1/ssf/transmitters", { issuer: "https://x.example", audience: AUDIENCE });
    expect(both.status).toBe(400);
    const listed = await f.call<{ items: { id: string; issuer: string }[] }>("GET", "/v1/ssf/transmitters");
    expect(listed.body.items.map((t) => t.issuer)).toEqual([idp.issuer]);
    const id = listed.body.items[0]?.id as string;
    expect((await f.call("DELETE", `/v1/ssf/transmitters/${id}`)).status).toBe(204);
    expect((await push(await idp.sign(sessionRevoked()))).body.err).toBe("invalid_issuer");
    const audit = await f.call<{ items: { action: string }[] }>("GET", "/v1/audit?limit=1000");
    expect(audit.body.items.map((r) => r.action).filter((a) => a.startsWith("ssf.transmitter"))).toEqual([
      "ssf.transmitter_added",
      "ssf.transmitter_removed",
    ]);
  });
});
