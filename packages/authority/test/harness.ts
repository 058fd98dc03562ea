/**
 * A whole authority on a fresh database, with helpers that mint principals and credentials.
 */
import { type Authority, createAuthority } from "../src/authority.js";
import { ManualClock } from "../src/clock.js";
import { loadConfig, type TesseraConfig } from "../src/config.js";
import type { Actor } from "../src/domain/actor.js";
import { systemActor } from "../src/principals/index.js";
import { createTestStore, type StoreKind, type TestStore } from "./stores.js";

export interface Harness {
  authority: Authority;
  clock: ManualClock;
  store: TestStore;
  system: Actor;
  /** A principal allowed `scopes` (default: a few application scopes). */
  principal(options?: { scopes?: string[]; owner?: string; name?: string }): Promise<string>;
  /** A key for a new principal, holding exactly `scopes`. */
  key(
    scopes: string[],
    options?: { owner?: string; expiresInMs?: number },
  ): Promise<{ id: string; secret: string; principalId: string }>;
  /** An admin key holding exactly these admin scopes. */
  adminKey(scopes: string[]): Promise<{ id: string; secret: string; principalId: string }>;
  close(): Promise<void>;
}

let counter = 0;

export async function createHarness(kind: StoreKind, overrides: Partial<TesseraConfig> = {}): Promise<Harness> {
  const store = await createTestStore(kind);
  const clock = new ManualClock(Date.now());
  const config = loadConfig(
    {},
    {
      databaseUrl: store.url,
      usageFlushIntervalMs: 50,
      // Test receivers listen on loopback; the address policy's own tests override this.
      webhookAllowHosts: ["127.0.0.1", "localhost", "::1"],
      ...overrides,
    },
  );
  const authority = await createAuthority({ config, clock });
  const system = systemActor("test");

  async function principal(options: { scopes?: string[]; owner?: string; name?: string } = {}) {
    const created = await authority.principals.create(
      {
        name: options.name ?? `principal-${++counter}-${Math.random().toString(36).slice(2, 6)}`,
        kind: "service",
        owner: options.owner ?? "team-a",
        allowedScopes: options.scopes ?? ["orders:read", "orders:write", "billing:read"],
      },
      system,
    );
    return created.id;
  }

  async function key(scopes: string[], options: { owner?: string; expiresInMs?: number } = {}) {
    const principalId = await principal({ scopes, ...(options.owner ? { owner: options.owner } : {}) });
    const issued = await authority.keys.issue(
      { principalId, scopes, ...(options.expiresInMs ? { expiresInMs: options.expiresInMs } : {}) },
      system,
    );
    return { id: issued.key.id, secret: issued.secret, principalId };
  }

  return {
    authority,
    clock,
    store,
    system,
    principal,
    key,
    adminKey: (scopes) => key(scopes),
    async close() {
      await authority.close();
      await store.drop();
    },
  };
}
