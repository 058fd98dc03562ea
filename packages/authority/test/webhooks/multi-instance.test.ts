/**
 * Two authority instances on one PostgreSQL database, both dispatching at once: every event
 * becomes one delivery per endpoint and reaches the receiver exactly once; with the receiver
 * down, each delivery is attempted once per round, never by both instances.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Authority, createAuthority } from "../../src/authority.js";
import { ManualClock } from "../../src/clock.js";
import { loadConfig } from "../../src/config.js";
import { systemActor } from "../../src/principals/index.js";
import { createTestStore, POSTGRES_URL, type TestStore } from "../stores.js";
import { type Receiver, startReceiver } from "./receiver.js";

const describePg = POSTGRES_URL ? describe : describe.skip;

describePg("webhook dispatch on two instances sharing PostgreSQL", () => {
  let store: TestStore;
  let a: Authority;
  let b: Authority;
  let r: Receiver;
  const clock = new ManualClock(Date.now());
  const system = systemActor("test");

  beforeAll(async () => {
    store = await createTestStore("postgres");
    const config = loadConfig({}, { databaseUrl: store.url, webhookConcurrency: 4, webhookAllowHosts: ["127.0.0.1"] });
    a = await createAuthority({ config, clock });
    b = await createAuthority({ config, clock });
    r = await startReceiver();
  });
  afterAll(async () => {
    await r.close();
    await a.close();
    await b.close();
    await store.drop();
  });

  async function issueKeys(n: number, owner: string) {
    const principal = await a.principals.create(
      {
        name: `svc-${owner}-${Math.random().toString(36).slice(2, 8)}`,
        kind: "service",
        owner,
        allowedScopes: ["x:read"],
      },
      system,
    );
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const writer = i % 2 === 0 ? a : b;
      ids.push((await writer.keys.issue({ principalId: principal.id, scopes: ["x:read"] }, system)).key.id);
    }
    return ids;
  }

  it("never delivers one event twice, and loses none", async () => {
    const { webhook } = await a.webhooks.create({ url: r.url, events: ["key.issued"], owner: "team-m" }, system);
    const ids = await issueKeys(60, "team-m");
    await issueKeys(5, "someone-else");
    const rounds = await Promise.all([
      a.webhooks.runOnce(),
      b.webhooks.runOnce(),
      a.webhooks.runOnce(),
      b.webhooks.runOnce(),
    ]);
    // Whatever is left (a round may have found the other instance holding the cursor) goes now.
    await Promise.all([a.webhooks.runOnce(), b.webhooks.runOnce()]);
    expect(rounds.reduce((n, x) => n + x.enqueued, 0)).toBeLessThanOrEqual(60);
    const keyIds = r.received.map((x) => x.body.data.keyId as string);
    expect(keyIds.sort()).toEqual([...ids].sort());
    expect(new Set(r.received.map((x) => x.body.id)).size).toBe(60);
    const log = (await a.webhooks.deliveries(webhook.id, { limit: 1000 })).items;
    expect(log).toHaveLength(60);
    expect(log.every((d) => d.status === "delivered" && d.attempts === 1 && d.attemptLog.length === 1)).toBe(true);
  });

  it("with the receiver down, each delivery is attempted once per round across both instances", async () => {
    r.received.length = 0;
    const { webhook } = await b.webhooks.create({ url: r.url, events: ["key.issued"], owner: "team-n" }, system);
    await r.down();
    await issueKeys(20, "team-n");
    await Promise.all([a.webhooks.runOnce(), b.webhooks.runOnce()]);
    await Promise.all([a.webhooks.runOnce(), b.webhooks.runOnce()]);
    let log = (await a.webhooks.deliveries(webhook.id, { limit: 1000 })).items;
    expect(log).toHaveLength(20);
    expect(log.map((d) => d.attempts)).toEqual(Array(20).fill(1));
    await r.up();
    clock.advance(13_000);
    await Promise.all([a.webhooks.runOnce(), b.webhooks.runOnce()]);
    log = (await b.webhooks.deliveries(webhook.id, { limit: 1000 })).items;
    expect(log.every((d) => d.status === "delivered" && d.attempts === 2)).toBe(true);
    expect(r.received).toHaveLength(20);
    expect(new Set(r.received.map((x) => x.body.id)).size).toBe(20);
  });
});
