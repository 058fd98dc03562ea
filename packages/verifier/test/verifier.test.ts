import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createVerifier, type Verifier, type VerifierOptions } from "../src/create-verifier.js";
import { CREDENTIAL, type FakeAuthority, fakeKey, startFakeAuthority, until, wire } from "./fake-authority.js";

describe("createVerifier against a scripted authority", () => {
  let authority: FakeAuthority;
  const verifiers: Verifier[] = [];
  const make = (options: Partial<VerifierOptions> = {}) => {
    const v = createVerifier({
      url: authority.url,
      credential: CREDENTIAL,
      name: "svc-1",
      staleness: "1s",
      ...options,
    });
    verifiers.push(v);
    return v;
  };
  beforeEach(async () => {
    authority = await startFakeAuthority();
  });
  afterEach(async () => {
    await Promise.all(verifiers.splice(0).map((v) => v.close()));
    await authority.close();
  });

  it("validates its options when created", () => {
    expect(() => createVerifier({ url: "not a url", credential: CREDENTIAL, name: "a" })).toThrow(TypeError);
    expect(() => createVerifier({ url: "ftp://x", credential: CREDENTIAL, name: "a" })).toThrow(TypeError);
    expect(() => createVerifier({ url: "http://x", credential: "", name: "a" })).toThrow(TypeError);
    expect(() => createVerifier({ url: "http://x", credential: CREDENTIAL, name: "bad name" })).toThrow(TypeError);
    expect(() => createVerifier({ url: "http://x", credential: CREDENTIAL, name: "a", staleness: "soon" })).toThrow(
      TypeError,
    );
    expect(() =>
      createVerifier({ url: "http://x", credential: CREDENTIAL, name: "a", onStale: "pray" as "introspect" }),
    ).toThrow(TypeError);
  });

  it("fails closed until the snapshot is loaded, then verifies and acks the snapshot's sequence", async () => {
    const key = fakeKey();
    authority.state = { ...authority.state, sequence: 10, keys: [key] };
    const verifier = make();
    expect(verifier.verify(key.secret)).toEqual({ ok: false, reason: "stale" });
    await verifier.ready();
    expect(verifier.verify(key.secret)).toMatchObject({ ok: true, keyId: key.id });
    await until(() => authority.acks.includes(10));
    expect(verifier.status()).toMatchObject({ ready: true, appliedSequence: 10, keys: 1 });
  });

  it("applies changes in order and acks the latest applied sequence", async () => {
    const first = fakeKey();
    authority.state = { ...authority.state, sequence: 1, keys: [first] };
    const verifier = make();
    await verifier.ready();
    const second = fakeKey();
    authority.change("key.issued", { key: wire(second) });
    authority.change("key.revoked", { ids: [first.id], reason: "leak", cause: "key.revoke" });
    await until(() => verifier.status().appliedSequence === 3);
    expect(verifier.verify(second.secret).ok).toBe(true);
    expect(verifier.verify(first.secret)).toEqual({ ok: false, reason: "revoked" });
    await until(() => authority.acks.includes(3));
  });

  it("acks on one long-lived stream, not with a request per ack", async () => {
    authority.state = { ...authority.state, sequence: 1, keys: [fakeKey()] };
    const verifier = make();
    await verifier.ready();
    for (let i = 0; i < 5; i++) {
      authority.change("key.issued", { key: wire(fakeKey()) });
      await until(() => authority.acks.includes(2 + i));
    }
    expect(authority.ackStreams).toBe(1);
    expect(authority.postedAcks).toEqual([]);
    // Cut (an authority restart): the next acks go on a new stream.
    authority.cut();
    await until(() => authority.connections() === 1);
    authority.change("key.issued", { key: wire(fakeKey()) });
    await until(() => authority.acks.includes(7));
    expect(authority.ackStreams).toBe(2);
    expect(authority.postedAcks).toEqual([]);
  });

  it("acks by POST when the authority has no ack stream", async () => {
    authority.ackStream = "absent";
    authority.state = { ...authority.state, sequence: 4, keys: [fakeKey()] };
    const verifier = make();
    await verifier.ready();
    await until(() => authority.postedAcks.includes(4));
    authority.change("key.issued", { key: wire(fakeKey()) });
    await until(() => authority.postedAcks.includes(5));
  });

  it("acks by POST when the stream takes acks but never confirms them (a buffering proxy)", async () => {
    authority.ackStream = "silent";
    authority.state = { ...authority.state, sequence: 4, keys: [fakeKey()] };
    const verifier = make();
    await verifier.ready();
    // Unconfirmed after the 2 s deadline: the same ack again, by POST.
    await until(() => authority.postedAcks.includes(4), 5000);
    expect(authority.acks).toEqual([4]);
    authority.change("key.issued", { key: wire(fakeKey()) });
    await until(() => authority.postedAcks.includes(5));
    expect(authority.ackStreams).toBe(1);
  });

  it("re-syncs from a fresh snapshot on a gap and on a malformed event", async () => {
    const key = fakeKey();
    authority.state = { ...authority.state, sequence: 5, keys: [key] };
    const verifier = make();
    await verifier.ready();
    expect(authority.feedRequests).toEqual([null]);
    // The authority's state moved to 8 and the verifier is sent 8 without 6 and 7.
    authority.state.sequence = 7;
    authority.state.keys = [];
    authority.change("key.issued", { key: wire(fakeKey()) }, 8);
    await until(() => authority.feedRequests.length === 2 && verifier.status().appliedSequence === 8);
    expect(authority.feedRequests[1]).toBeNull();
    expect(verifier.verify(key.secret)).toEqual({ ok: false, reason: "unknown" });
    authority.raw(`id: 9\nevent: change\ndata: {"seq":9,"type":"key.revoked","data":{"ids":"not-a-list"}}\n\n`);
    await until(() => authority.feedRequests.length === 3);
    expect(authority.feedRequests[2]).toBeNull();
    expect(verifier.status().resyncs).toBe(2);
  });

  it("resumes with Last-Event-ID after a dropped connection", async () => {
    authority.state = { ...authority.state, sequence: 3, keys: [] };
    const verifier = make();
    await verifier.ready();
    authority.cut();
    await until(() => authority.feedRequests.length === 2);
    expect(authority.feedRequests[1]).toBe("3");
  });

  it("fails closed once nothing was heard for longer than the staleness bound, and recovers", async () => {
    const key = fakeKey();
    authority.state = { ...authority.state, sequence: 1, keys: [key] };
    const verifier = make({ staleness: 300 });
    await verifier.ready();
    expect(verifier.verify(key.secret).ok).toBe(true);
    authority.heartbeats = false;
    authority.down = true;
    authority.cut();
    await until(() => verifier.verify(key.secret).ok === false, 5000);
    expect(verifier.verify(key.secret)).toEqual({ ok: false, reason: "stale" });
    authority.down = false;
    authority.heartbeats = true;
    await until(() => verifier.verify(key.secret).ok, 10_000);
  });

  it("asks the authority online when stale with onStale: 'introspect'", async () => {
    const key = fakeKey();
    authority.state = { ...authority.state, sequence: 1, keys: [key] };
    const verifier = make({ staleness: 300, onStale: "introspect" });
    await verifier.ready();
    authority.heartbeats = false;
    await until(() => verifier.verify(key.secret).ok === false, 5000);
    authority.introspection = {
      active: true,
      sub: "prn_1",
      scope: "orders:read",
      key_id: key.id,
      token_type: "api_key",
    };
    expect(await verifier.authenticate(key.secret, { scopes: ["orders:read"] })).toMatchObject({
      ok: true,
      keyId: key.id,
      kind: "api_key",
    });
    expect(await verifier.authenticate(key.secret, { scopes: ["orders:write"] })).toEqual({
      ok: false,
      reason: "scope_insufficient",
    });
  });

  it("reports usage in batches and keeps memory bounded while the authority refuses them", async () => {
    authority.state = { ...authority.state, sequence: 1, keys: [] };
    authority.usageStatus = 503;
    const verifier = make({ usage: { intervalMs: 50, maxEntries: 10 } });
    await verifier.ready();
    for (let i = 0; i < 25; i++) {
      verifier.recordUsage({
        keyId: `key_${i}`,
        kind: "api_key",
        outcome: "ok",
        route: "/r",
        address: "127.0.0.1",
        userAgent: "t",
      });
    }
    expect(verifier.status().usage).toEqual({ entries: 10, dropped: 15 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(verifier.status().usage?.entries).toBeLessThanOrEqual(10);
    authority.usageStatus = 204;
    await until(() => authority.usage.length > 0);
    const sent = authority.usage.flatMap((b) => b.entries);
    expect(sent.length).toBe(10);
    expect(authority.usage.reduce((n, b) => n + b.dropped, 0)).toBe(15);
  });
});
