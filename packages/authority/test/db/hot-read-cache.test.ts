/**
 * Hot reads remembered in memory (db/change-gate.ts, db/cached-read.ts): a presented key, a
 * client secret and an access token's revocation state answer from memory only while no change
 * has been heard, so a revocation made by this instance, by another process on the same SQLite
 * file, or by another instance on PostgreSQL is never answered from a stale memory.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Authority, createAuthority } from "../../src/authority.js";
import { loadConfig } from "../../src/config.js";
import { createCachedRead } from "../../src/db/cached-read.js";
import { createChangeGate, FEED_STALENESS_MS } from "../../src/db/change-gate.js";
import { systemActor } from "../../src/principals/index.js";
import type { RunningAuthority } from "../../src/server.js";
import { eventually, startOn } from "../feed/fixture.js";
import { createTestStore, POSTGRES_URL, type StoreKind, type TestStore } from "../stores.js";

const system = systemActor("test");

describe("cached reads behind a change gate", () => {
  function counted() {
    let reads = 0;
    let value = "v1";
    return {
      read: async (_key: string) => {
        reads++;
        return value;
      },
      reads: () => reads,
      set: (next: string) => {
        value = next;
      },
    };
  }

  it("reads once while nothing changes, and again after a change is heard", async () => {
    const gate = createChangeGate({ now: () => 0 });
    const source = counted();
    const cached = createCachedRead(gate, source.read);
    expect(await cached.get("k")).toBe("v1");
    expect(await cached.get("k")).toBe("v1");
    expect(source.reads()).toBe(1);
    source.set("v2");
    gate.heard();
    expect(await cached.get("k")).toBe("v2");
    expect(source.reads()).toBe(2);
  });

  it("keeps nothing read while a change was heard (the change may have come after the read)", async () => {
    const gate = createChangeGate({ now: () => 0 });
    let reads = 0;
    const cached = createCachedRead(gate, async () => {
      reads++;
      gate.heard();
      return `v${reads}`;
    });
    expect(await cached.get("k")).toBe("v1");
    expect(await cached.get("k")).toBe("v2");
  });

  it("never remembers a missing row (unknown tokens always go to the database)", async () => {
    const gate = createChangeGate({ now: () => 0 });
    let reads = 0;
    const cached = createCachedRead(gate, async () => {
      reads++;
      return undefined;
    });
    await cached.get("k");
    await cached.get("k");
    expect(reads).toBe(2);
  });

  it("reads SQLite's external change counter at most once a millisecond, and hears it move", async () => {
    let now = 0;
    let version = 1;
    let checks = 0;
    const gate = createChangeGate({
      now: () => now,
      externalChanges: () => {
        checks++;
        return version;
      },
    });
    const before = gate.generation();
    version = 2;
    expect(gate.generation()).toBe(before);
    now = 1;
    expect(gate.generation()).toBe(before + 1);
    expect(checks).toBe(2);
  });

  it("on PostgreSQL answers from memory only while the feed has read the change log recently", () => {
    let now = 0;
    let heardAt: number | null = null;
    const gate = createChangeGate({ now: () => now, feedHeardAt: () => heardAt });
    expect(gate.open()).toBe(false);
    heardAt = 0;
    expect(gate.open()).toBe(true);
    now = FEED_STALENESS_MS + 1;
    expect(gate.open()).toBe(false);
  });
});

async function authorityOn(store: TestStore): Promise<Authority> {
  return createAuthority({ config: loadConfig({}, { databaseUrl: store.url }) });
}

async function issueKey(authority: Authority) {
  const principal = await authority.principals.create(
    { name: `p-${Math.random().toString(36).slice(2, 8)}`, kind: "service", owner: "t", allowedScopes: ["a:read"] },
    system,
  );
  return authority.keys.issue({ principalId: principal.id, scopes: ["a:read"] }, system);
}

const active = async (authority: Authority, secret: string) => (await authority.introspect(secret)).response.active;

describe("hot reads on SQLite", () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  it("a revocation through this instance is answered inactive at once", async () => {
    const store = await createTestStore("sqlite");
    const authority = await authorityOn(store);
    closers.push(store.drop, () => authority.close());
    const key = await issueKey(authority);
    expect(await active(authority, key.secret)).toBe(true);
    await authority.lifecycle.revoke(key.key.id, "test", system);
    expect(await active(authority, key.secret)).toBe(false);
  });

  it("a revocation by another connection to the same file (the CLI's) is heard through data_version", async () => {
    const store = await createTestStore("sqlite");
    const server = await authorityOn(store);
    const cli = await authorityOn(store);
    closers.push(
      store.drop,
      () => server.close(),
      () => cli.close(),
    );
    const key = await issueKey(server);
    expect(await active(server, key.secret)).toBe(true);
    expect(await active(server, key.secret)).toBe(true);
    await cli.lifecycle.revoke(key.key.id, "revoked from the CLI", system);
    // The counter is read at most once a millisecond.
    await new Promise((resolve) => setTimeout(resolve, 2));
    expect(await active(server, key.secret)).toBe(false);
  });

  it("TESSERA_HOT_READ_CACHE=off is read as off, and lookups still answer", async () => {
    const store = await createTestStore("sqlite");
    const config = loadConfig({ TESSERA_HOT_READ_CACHE: "off" }, { databaseUrl: store.url });
    expect(config.hotReadCache).toBe(false);
    const authority = await createAuthority({ config });
    closers.push(store.drop, () => authority.close());
    const key = await issueKey(authority);
    expect(await active(authority, key.secret)).toBe(true);
  });
});

const describePg = POSTGRES_URL ? describe : describe.skip;

describePg("hot reads on two PostgreSQL instances", () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function two(kind: StoreKind = "postgres") {
    const store = await createTestStore(kind);
    const a: RunningAuthority = await startOn(store);
    const b: RunningAuthority = await startOn(store);
    closers.push(
      store.drop,
      () => a.close(),
      () => b.close(),
    );
    return { a: a.authority, b: b.authority };
  }

  it("a revocation through A reaches B's remembered answer through the change feed", async () => {
    const { a, b } = await two();
    const key = await issueKey(a);
    await eventually(async () => active(b, key.secret));
    expect(await active(b, key.secret)).toBe(true);
    const { sequence } = await a.lifecycle.revoke(key.key.id, "leaked", system);
    // The moment B's feed has broadcast the revocation, B's answers are fresh.
    await eventually(() => b.feed.hub.position() >= Number(sequence));
    expect(await active(b, key.secret)).toBe(false);
  });

  it("an instance whose feed is not running reads the database on every call", async () => {
    const store = await createTestStore("postgres");
    const running = await startOn(store);
    const direct = await authorityOn(store);
    closers.push(
      store.drop,
      () => running.close(),
      () => direct.close(),
    );
    const key = await issueKey(direct);
    expect(await active(direct, key.secret)).toBe(true);
    await running.authority.lifecycle.revoke(key.key.id, "leaked", system);
    expect(await active(direct, key.secret)).toBe(false);
  });
});
