/**
 * The SSF 1.0 transmitter against a receiver built from `jose`: the configuration document,
 * stream management with bad input refused, a revoked key's credential-change SET polled,
 * verified against the published JWKS and acknowledged, subject filters, verification events,
 * and SETs surviving a restart.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { describeEachStore } from "../stores.js";
import { type SsfFixture, startSsfFixture } from "./fixture.js";

const CAEP = "https://schemas.openid.net/secevent/caep/event-type";
const POLL = "urn:ietf:rfc:8936";

describeEachStore("SSF transmitter", (kind) => {
  let f: SsfFixture;
  beforeEach(async () => {
    f = await startSsfFixture(kind);
  });
  afterEach(async () => {
    await f.close();
  });

  const poll = (streamId: string, body: Record<string, unknown> = {}) =>
    f.call<{ sets: Record<string, string>; moreAvailable: boolean }>("POST", `/ssf/poll/${streamId}`, {
      returnImmediately: true,
      ...body,
    });

  async function pollStream(events?: string[]) {
    const created = await f.call<{ stream_id: string; delivery: { endpoint_url: string }; aud: string }>(
      "POST",
      "/ssf/stream",
      {
        delivery: { method: POLL },
        ...(events ? { events_requested: events } : {}),
        aud: "https://receiver.example",
      },
    );
    expect(created.status).toBe(201);
    return created.body;
  }

  it("publishes its configuration: issuer, jwks_uri, both delivery methods and every endpoint", async () => {
    const config = await f.call("GET", "/.well-known/ssf-configuration");
    expect(config.status).toBe(200);
    expect(config.body).toMatchObject({
      spec_version: "1_0",
      issuer: f.server.authority.config.issuer,
      jwks_uri: `${f.server.authority.config.issuer}/ssf/jwks.json`,
      delivery_methods_supported: ["urn:ietf:rfc:8935", POLL],
      configuration_endpoint: expect.stringMatching(/\/ssf\/stream$/),
      status_endpoint: expect.stringMatching(/\/ssf\/status$/),
      add_subject_endpoint: expect.stringMatching(/\/ssf\/subjects:add$/),
      remove_subject_endpoint: expect.stringMatching(/\/ssf\/subjects:remove$/),
      verification_endpoint: expect.stringMatching(/\/ssf\/verify$/),
    });
  });

  it("delivers a revoked key's credential-change SET by poll: signed, verifiable with the JWKS, gone once acknowledged", async () => {
    const stream = await pollStream();
    expect(stream.delivery.endpoint_url).toBe(`${f.server.authority.config.issuer}/ssf/poll/${stream.stream_id}`);
    const key = await f.issueKey("payments");
    expect((await f.call("POST", `/v1/keys/${key.id}/revoke`, { reason: "leaked in a log" })).status).toBe(200);
    const first = await poll(stream.stream_id);
    expect(first.status).toBe(200);
    const sets = await Promise.all(
      Object.values(first.body.sets).map((jwt) => f.verifySet(jwt, "https://receiver.example")),
    );
    const changes = sets.filter((s) => s.events[`${CAEP}/credential-change`]);
    const revoke = changes.find((s) => s.events[`${CAEP}/credential-change`]?.change_type === "revoke");
    expect(revoke?.sub_id).toEqual({ format: "opaque", id: key.id });
    expect(revoke?.events[`${CAEP}/credential-change`]).toMatchObject({
      credential_type: "api-key",
      change_type: "revoke",
      reason_admin: { en: "leaked in a log" },
    });
    expect(changes.some((s) => s.events[`${CAEP}/credential-change`]?.change_type === "create")).toBe(true);
    // No secret or hash in any SET.
    for (const jwt of Object.values(first.body.sets)) expect(jwt).not.toContain(key.secret.slice(4, 20));
    // Unacknowledged SETs come again; acknowledged ones do not.
    const again = await poll(stream.stream_id);
    expect(Object.keys(again.body.sets).sort()).toEqual(Object.keys(first.body.sets).sort());
    const acked = await poll(stream.stream_id, { ack: Object.keys(first.body.sets) });
    expect(acked.body).toEqual({ sets: {}, moreAvailable: false });
  });

  it("sends only the events asked for, and only the subjects added when a stream has subjects", async () => {
    const stream = await pollStream([`${CAEP}/credential-change`]);
    const watched = await f.issueKey("watched");
    expect(
      (
        await f.call("POST", "/ssf/subjects:add", {
          stream_id: stream.stream_id,
          subject: { format: "opaque", id: watched.id },
        })
      ).status,
    ).toBe(200);
    const other = await f.issueKey("other");
    await f.call("POST", `/v1/keys/${other.id}/revoke`, { reason: "r" });
    await f.call("POST", `/v1/keys/${watched.id}/revoke`, { reason: "r" });
    const polled = await poll(stream.stream_id);
    const subjects = await Promise.all(
      Object.values(polled.body.sets).map(
        async (jwt) => (await f.verifySet(jwt, "https://receiver.example")).sub_id.id,
      ),
    );
    // Its issue and its revocation; nothing about the other key.
    expect(subjects).toEqual([watched.id, watched.id]);
  });

  it("answers a verification request with a verification SET carrying the receiver's state", async () => {
    const stream = await pollStream();
    expect((await f.call("POST", "/ssf/verify", { stream_id: stream.stream_id, state: "abc123" })).status).toBe(204);
    const polled = await poll(stream.stream_id);
    const [set] = await Promise.all(
      Object.values(polled.body.sets).map((jwt) => f.verifySet(jwt, "https://receiver.example")),
    );
    expect(set?.events["https://schemas.openid.net/secevent/ssf/event-type/verification"]).toEqual({ state: "abc123" });
  });

  it("refuses unknown delivery methods and event types with 400, and manages status, updates and deletion", async () => {
    const badMethod = await f.call("POST", "/ssf/stream", { delivery: { method: "urn:example:carrier-pigeon" } });
    expect(badMethod.status).toBe(400);
    expect(badMethod.body).toMatchObject({
      error: { code: "validation_failed", details: { field: "delivery.method" } },
    });
    const badEvent = await f.call("POST", "/ssf/stream", { events_requested: ["https://example.com/event/unknown"] });
    expect(badEvent.status).toBe(400);
    expect(badEvent.body).toMatchObject({
      error: { code: "validation_failed", details: { field: "events_requested" } },
    });
    const badPush = await f.call("POST", "/ssf/stream", { delivery: { method: "urn:ietf:rfc:8935" } });
    expect(badPush.status).toBe(400);

    const stream = await pollStream();
    const paused = await f.call("POST", "/ssf/status", {
      stream_id: stream.stream_id,
      status: "paused",
      reason: "maintenance",
    });
    expect(paused.body).toEqual({ stream_id: stream.stream_id, status: "paused", reason: "maintenance" });
    expect((await f.call("GET", `/ssf/status?stream_id=${stream.stream_id}`)).body).toMatchObject({ status: "paused" });
    const patched = await f.call<{ description: string; events_delivered: string[] }>("PATCH", "/ssf/stream", {
      stream_id: stream.stream_id,
      description: "SIEM",
      events_requested: [`${CAEP}/session-revoked`],
    });
    expect(patched.body).toMatchObject({ description: "SIEM", events_delivered: [`${CAEP}/session-revoked`] });
    expect((await f.call<unknown[]>("GET", "/ssf/stream")).body).toHaveLength(1);
    expect((await f.call("DELETE", `/ssf/stream?stream_id=${stream.stream_id}`)).status).toBe(204);
    expect((await f.call("GET", `/ssf/stream?stream_id=${stream.stream_id}`)).status).toBe(404);
    const audit = await f.call<{ items: { action: string }[] }>("GET", "/v1/audit?limit=1000");
    const actions = audit.body.items.map((r) => r.action).filter((a) => a.startsWith("ssf."));
    expect(actions).toEqual([
      "ssf.stream_created",
      "ssf.stream_status_changed",
      "ssf.stream_updated",
      "ssf.stream_deleted",
    ]);
  });

  it("keeps every event across a restart: changes made before the first poll are there after it", async () => {
    const stream = await pollStream([`${CAEP}/credential-change`]);
    const key = await f.issueKey("durable");
    await f.call("POST", `/v1/keys/${key.id}/revoke`, { reason: "r" });
    await f.restart();
    const polled = await poll(stream.stream_id);
    const changeTypes = await Promise.all(
      Object.values(polled.body.sets).map(
        async (jwt) =>
          (await f.verifySet(jwt, "https://receiver.example")).events[`${CAEP}/credential-change`]?.change_type,
      ),
    );
    expect(changeTypes.sort()).toEqual(["create", "revoke"]);
  });

  it("signs with RS256 for a stream that asks, publishing the RSA key at jwks_uri only", async () => {
    const created = await f.call<{ stream_id: string; signing_alg: string }>("POST", "/ssf/stream", {
      delivery: { method: POLL },
      aud: "https://legacy.example",
      signing_alg: "RS256",
    });
    expect(created.body.signing_alg).toBe("RS256");
    const key = await f.issueKey("rsa");
    await f.call("POST", `/v1/keys/${key.id}/revoke`, { reason: "r" });
    const polled = await poll(created.body.stream_id);
    const jwts = Object.values(polled.body.sets);
    expect(jwts.length).toBeGreaterThan(0);
    for (const jwt of jwts) {
      expect(JSON.parse(Buffer.from(jwt.split(".")[0] as string, "base64url").toString())).toMatchObject({
        alg: "RS256",
        typ: "secevent+jwt",
      });
      await f.verifySet(jwt, "https://legacy.example");
    }
    const ssfKeys = (await f.call<{ keys: { kty: string }[] }>("GET", "/ssf/jwks.json")).body.keys;
    expect(ssfKeys.map((k) => k.kty).sort()).toEqual(["OKP", "RSA"]);
    const oauthKeys = (await f.call<{ keys: { kty: string }[] }>("GET", "/.well-known/jwks.json")).body.keys;
    expect(oauthKeys.map((k) => k.kty)).toEqual(["OKP"]);
    const bad = await f.call("POST", "/ssf/stream", { signing_alg: "HS256" });
    expect(bad.status).toBe(400);
  });

  it("names user principals by email: a scope narrowing's subject, and a stream that added the user's email gets their keys' events", async () => {
    const stream = await pollStream([`${CAEP}/token-claims-change`, `${CAEP}/credential-change`]);
    const user = await f.call<{ id: string }>("POST", "/v1/principals", {
      name: "bob@example.com",
      kind: "user",
      owner: "people",
      allowedScopes: ["orders:read", "orders:write"],
    });
    expect(
      (
        await f.call("POST", "/ssf/subjects:add", {
          stream_id: stream.stream_id,
          subject: { format: "email", email: "bob@example.com" },
        })
      ).status,
    ).toBe(200);
    const other = await f.issueKey("someone-else");
    const issued = await f.call<{ key: { id: string } }>("POST", "/v1/keys", {
      principalId: user.body.id,
      scopes: ["orders:write"],
    });
    await f.call("PATCH", `/v1/principals/${user.body.id}`, {
      allowedScopes: ["orders:read"],
      reason: "role narrowed",
    });
    const polled = await poll(stream.stream_id);
    const sets = await Promise.all(
      Object.values(polled.body.sets).map((jwt) => f.verifySet(jwt, "https://receiver.example")),
    );
    const narrowing = sets.find((s) => s.events[`${CAEP}/token-claims-change`]);
    expect(narrowing?.sub_id).toEqual({ format: "email", email: "bob@example.com" });
    expect(narrowing?.events[`${CAEP}/token-claims-change`]).toMatchObject({ claims: { scope: "orders:read" } });
    const keyEvents = sets.filter((s) => s.events[`${CAEP}/credential-change`]).map((s) => s.sub_id.id);
    expect(keyEvents).toContain(issued.body.key.id);
    expect(keyEvents).not.toContain(other.id);
  });
});
