/**
 * Faults, each a test that can fail:
 * (a) the authority is killed and restarted: verifiers keep serving within their staleness
 *     bound, then fail closed, then catch up with nothing missed;
 * (b) a verifier is cut off (a TCP proxy in between is severed) while revocations happen: it
 *     never accepts a revoked key after its bound, and after reconnecting it has every change;
 * (c) the authority is killed right after acknowledging a revocation: still revoked after the
 *     restart, and verifiers agree.
 */
import { connect as createConnectionTo, createServer, type Server, type Socket } from "node:net";
import { createVerifier, type Verifier } from "@tessera/verifier";
import { afterEach, beforeAll, beforeEach, expect, it, onTestFinished as onCleanup } from "vitest";
import { type Authority, createAuthority } from "../../src/authority.js";
import { loadConfig } from "../../src/config.js";
import { ADMIN_SCOPES } from "../../src/domain/scopes.js";
import { systemActor } from "../../src/principals/index.js";
import { createTestStore, describeEachStore, type TestStore } from "../stores.js";
import { buildDist, type ChildAuthority, freePort, killAllChildren, startChild } from "./child-authority.js";
import { createFeedFixture, eventually, type FeedFixture } from "./fixture.js";

const STALENESS_MS = 1000;
const system = systemActor("fault-test");

beforeAll(() => buildDist(), 180_000);

/** A TCP proxy to `target` that a test can sever and restore. */
async function startProxy(targetPort: number) {
  const sockets = new Set<Socket>();
  let severed = false;
  const server: Server = createServer((client) => {
    if (severed) return client.destroy();
    const upstream = createConnectionTo(targetPort);
    client.pipe(upstream).pipe(client);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    sever() {
      severed = true;
      for (const s of sockets) s.destroy();
    },
    restore() {
      severed = false;
    },
    close(): Promise<void> {
      severed = true;
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describeEachStore("faults", (kind) => {
  let store: TestStore;
  let offline: Authority;
  let adminKey: string;
  let child: ChildAuthority | undefined;
  const verifiers: Verifier[] = [];

  beforeEach(async () => {
    store = await createTestStore(kind);
    // Credentials are minted directly in the database: the authority process comes and goes.
    offline = await createAuthority({ config: loadConfig({}, { databaseUrl: store.url }) });
    adminKey = (await mint([...ADMIN_SCOPES])).secret;
  });
  afterEach(async () => {
    await Promise.all(verifiers.splice(0).map((v) => v.close()));
    await child?.kill();
    child = undefined;
    await killAllChildren();
    await offline.close();
    await store.drop();
  });

  async function mint(scopes = ["orders:read"]) {
    const principal = await offline.principals.create(
      { name: `p-${Math.random().toString(36).slice(2, 10)}`, kind: "service", owner: "o", allowedScopes: scopes },
      system,
    );
    const issued = await offline.keys.issue({ principalId: principal.id, scopes }, system);
    return { id: issued.key.id, secret: issued.secret };
  }

  function verifierFor(url: string, stalenessMs = STALENESS_MS): Verifier {
    const verifier = createVerifier({ url, credential: adminKey, name: "fault", staleness: stalenessMs });
    verifiers.push(verifier);
    return verifier;
  }

  it("(a) keeps serving within the bound while the authority is down, then fails closed, then catches up", {
    timeout: 120_000,
  }, async () => {
    const port = await freePort();
    child = await startChild(store.url, port);
    const keep = await mint();
    const doomed = await mint();
    // Heartbeats come every second: a 3s bound leaves the replica fresh right after the crash.
    const verifier = verifierFor(child.url, 3000);
    await verifier.ready(20_000);
    expect(verifier.verify(keep.secret).ok).toBe(true);

    await child.kill();
    // Right after the crash the replica is still within its bound.
    expect(verifier.verify(keep.secret).ok).toBe(true);
    // A revocation committed while no authority serves the feed.
    await offline.lifecycle.revoke(doomed.id, "revoked while the authority was down", system);
    const issuedWhileDown = await mint();
    await eventually(() => verifier.verify(keep.secret).ok === false, 3000 + 5000);
    expect(verifier.verify(keep.secret)).toEqual({ ok: false, reason: "stale" });

    child = await startChild(store.url, port);
    await eventually(() => verifier.verify(keep.secret).ok, 20_000);
    expect(verifier.verify(doomed.secret)).toEqual({ ok: false, reason: "revoked" });
    expect(verifier.verify(issuedWhileDown.secret).ok).toBe(true);
    const status = verifier.status();
    expect(status.appliedSequence).toBe(status.headSequence);
  });

  it("(b) a cut-off verifier never accepts a revoked key after its bound and has every change after reconnecting", {
    timeout: 60_000,
  }, async () => {
    const f: FeedFixture = await createFeedFixture(kind, { store });
    try {
      const proxy = await startProxy(Number(new URL(f.running.url).port));
      onCleanup(() => proxy.close());
      const verifier = createVerifier({ url: proxy.url, credential: f.adminKey, name: "cut", staleness: STALENESS_MS });
      verifiers.push(verifier);
      await verifier.ready(20_000);
      const revoked = await f.key();
      const survivor = await f.key();
      await eventually(() => verifier.verify(revoked.secret).ok && verifier.verify(survivor.secret).ok);

      proxy.sever();
      const answer = await f.request("POST", `/v1/keys/${revoked.id}/revoke`, { reason: "while cut off" });
      expect(answer.status).toBe(200);
      const revokedAt = performance.now();
      const issuedWhileCut = await f.key();
      // Watch the verifier until well past its bound: it may accept the revoked key only
      // until the bound (it cannot know), never after.
      let lastAccepted = Number.NEGATIVE_INFINITY;
      while (performance.now() - revokedAt < STALENESS_MS + 1500) {
        if (verifier.verify(revoked.secret).ok) lastAccepted = performance.now();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(lastAccepted - revokedAt).toBeLessThanOrEqual(STALENESS_MS + 50);
      expect(verifier.verify(revoked.secret)).toEqual({ ok: false, reason: "stale" });

      proxy.restore();
      await eventually(() => verifier.verify(survivor.secret).ok, 20_000);
      expect(verifier.verify(revoked.secret)).toEqual({ ok: false, reason: "revoked" });
      expect(verifier.verify(issuedWhileCut.secret).ok).toBe(true);
      const status = verifier.status();
      expect(status.appliedSequence).toBe(status.headSequence);
    } finally {
      await Promise.all(verifiers.splice(0).map((v) => v.close()));
      await f.close();
    }
  });

  it("(c) a revocation acknowledged just before a crash is still there after the restart, and verifiers agree", {
    timeout: 120_000,
  }, async () => {
    const port = await freePort();
    child = await startChild(store.url, port);
    const victim = await mint();
    const verifier = verifierFor(child.url);
    await verifier.ready(20_000);
    expect(verifier.verify(victim.secret).ok).toBe(true);

    const response = await fetch(`${child.url}/v1/keys/${victim.id}/revoke`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ reason: "crash test" }),
    });
    expect(response.status).toBe(200);
    const { sequence } = (await response.json()) as { sequence: number };
    await child.kill();

    expect((await offline.keys.get(victim.id)).state).toBe("revoked");
    child = await startChild(store.url, port);
    const after = await fetch(`${child.url}/v1/keys/${victim.id}`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(((await after.json()) as { state: string }).state).toBe("revoked");
    // The revoke was answered without waiting for verifiers (no ?wait=), and the process died at
    // once: the verifier may have the change from before the crash, or must get it from the
    // restarted authority. Wait until it has heard of that sequence and applied everything.
    await eventually(() => {
      const status = verifier.status();
      return status.fresh && status.headSequence >= sequence && status.appliedSequence === status.headSequence;
    }, 20_000);
    expect(verifier.verify(victim.secret)).toEqual({ ok: false, reason: "revoked" });
  });
});
