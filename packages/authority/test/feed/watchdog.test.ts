/**
 * A verifier whose feed connection goes silent without closing (a blackholed network: a proxy
 * that stops forwarding bytes but keeps both sockets open) notices within its idle bound,
 * reconnects through a fresh connection, resumes where it stopped and misses no change; and a
 * verifier whose credential the authority refuses learns why at once from `ready()`.
 */
import { connect as connectTo, createServer, type Server, type Socket } from "node:net";
import { createVerifier, FeedHttpError, type Verifier } from "@tessera/verifier";
import { afterEach, beforeEach, expect, it } from "vitest";
import { describeEachStore } from "../stores.js";
import { createFeedFixture, eventually, type FeedFixture } from "./fixture.js";

/**
 * A TCP proxy to `targetPort`. `blackhole()` freezes the connections open now: bytes from
 * either side are read and dropped, nothing is closed. Connections made later forward normally.
 */
async function startBlackholeProxy(targetPort: number) {
  const pairs = new Set<{ client: Socket; upstream: Socket; frozen: boolean }>();
  let connections = 0;
  const server: Server = createServer((client) => {
    connections++;
    const upstream = connectTo(targetPort, "127.0.0.1");
    const pair = { client, upstream, frozen: false };
    pairs.add(pair);
    client.on("data", (bytes) => pair.frozen || upstream.write(bytes));
    upstream.on("data", (bytes) => pair.frozen || client.write(bytes));
    const end = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    for (const socket of [client, upstream]) {
      socket.on("close", end);
      socket.on("error", end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    connections: () => connections,
    blackhole(): void {
      for (const pair of pairs) pair.frozen = true;
    },
    close(): Promise<void> {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describeEachStore("feed watchdog and credential refusal", (kind) => {
  let f: FeedFixture;
  const verifiers: Verifier[] = [];
  beforeEach(async () => {
    f = await createFeedFixture(kind);
  });
  afterEach(async () => {
    await Promise.all(verifiers.splice(0).map((v) => v.close()));
    await f.close();
  });

  it("reconnects through a fresh connection after missed heartbeats and misses no change", {
    timeout: 30_000,
  }, async () => {
    const proxy = await startBlackholeProxy(Number(new URL(f.running.url).port));
    const errors: Error[] = [];
    // Heartbeats come every second; a 10 s staleness bound would hide nothing the test checks.
    const verifier = createVerifier({
      url: proxy.url,
      credential: f.adminKey,
      name: "blackholed",
      staleness: "10s",
      idleTimeout: "2500ms",
      usage: false,
      onError: (error) => errors.push(error),
    });
    verifiers.push(verifier);
    try {
      await verifier.ready(20_000);
      const doomed = await f.key();
      await eventually(() => verifier.verify(doomed.secret).ok);
      // Let a heartbeat through, so the connection is live (past its catch-up) when it goes silent.
      await new Promise((resolve) => setTimeout(resolve, 1200));
      const before = proxy.connections();

      proxy.blackhole();
      await f.running.authority.lifecycle.revoke(doomed.id, "revoked while the feed was blackholed", f.system);
      const issued = await f.key();
      // The frozen connection cannot deliver either change.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(verifier.verify(doomed.secret).ok).toBe(true);
      expect(verifier.status().connected).toBe(true);

      // Within the idle bound plus a reconnect: a new connection, and both changes through it.
      await eventually(() => verifier.verify(doomed.secret).ok === false, 8000);
      expect(proxy.connections()).toBeGreaterThan(before);
      expect(verifier.verify(doomed.secret)).toEqual({ ok: false, reason: "revoked" });
      expect(verifier.verify(issued.secret).ok).toBe(true);
      expect(errors.map((e) => (e as { code?: string }).code)).toContain("feed_idle");
      const status = verifier.status();
      expect(status.resyncs).toBe(0); // resumed with Last-Event-ID, no snapshot needed
      await eventually(() => verifier.status().appliedSequence === verifier.status().headSequence);
    } finally {
      await proxy.close();
    }
  });

  it("ready() rejects at once with 401 feed_unauthorized for a wrong credential", async () => {
    const verifier = createVerifier({
      url: f.running.url,
      credential: "tsk_notavalidkey",
      name: "wrong",
      usage: false,
    });
    verifiers.push(verifier);
    const started = Date.now();
    const error = await verifier.ready(20_000).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error).toBeInstanceOf(FeedHttpError);
    expect(error).toMatchObject({ status: 401, code: "feed_unauthorized" });
    expect((error as Error).message).toContain("401");
    expect((error as Error).message).not.toContain("tsk_notavalidkey");
    // Asked again while the credential is still refused: at once, too.
    await expect(verifier.ready(20_000)).rejects.toMatchObject({ code: "feed_unauthorized" });
  });

  it("ready() rejects at once with 403 feed_forbidden for a key without feed:read", async () => {
    const reader = await f.key(["orders:read"]);
    const verifier = createVerifier({ url: f.running.url, credential: reader.secret, name: "scoped", usage: false });
    verifiers.push(verifier);
    const started = Date.now();
    const error = await verifier.ready(20_000).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error).toMatchObject({ status: 403, code: "feed_forbidden" });
    expect((error as FeedHttpError).authorityCode).toBeTypeOf("string");
    expect((error as Error).message).toContain("feed:read");
    expect((error as Error).message).not.toContain(reader.secret);
  });
});
