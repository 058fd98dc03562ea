/**
 * A real authority listening on a loopback port (fresh database), with helpers that mint
 * credentials and start verifiers against it.
 */
import { createVerifier, type Verifier, type VerifierOptions } from "@tessera/verifier";
import { loadConfig, type TesseraConfig } from "../../src/config.js";
import type { Actor } from "../../src/domain/actor.js";
import { ADMIN_SCOPES } from "../../src/domain/scopes.js";
import { systemActor } from "../../src/principals/index.js";
import { type RunningAuthority, startAuthority } from "../../src/server.js";
import { createTestStore, type StoreKind, type TestStore } from "../stores.js";

export interface FeedFixture {
  running: RunningAuthority;
  store: TestStore;
  system: Actor;
  /** An admin key holding every admin scope. */
  adminKey: string;
  key(
    scopes?: string[],
    options?: { expiresInMs?: number },
  ): Promise<{ id: string; secret: string; principalId: string }>;
  verifier(options?: Partial<VerifierOptions>): Promise<Verifier>;
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

let counter = 0;

export async function startOn(store: TestStore, overrides: Partial<TesseraConfig> = {}): Promise<RunningAuthority> {
  const config = loadConfig({}, { databaseUrl: store.url, port: 0, usageFlushIntervalMs: 50, ...overrides });
  return startAuthority(config, { logger: process.env.TESSERA_TEST_LOG ? { level: "error" } : false });
}

export async function createFeedFixture(
  kind: StoreKind,
  options: { store?: TestStore; running?: RunningAuthority } = {},
): Promise<FeedFixture> {
  const store = options.store ?? (await createTestStore(kind));
  const running = options.running ?? (await startOn(store));
  const system = systemActor("test");
  const verifiers: Verifier[] = [];

  async function key(scopes: string[] = ["orders:read"], keyOptions: { expiresInMs?: number } = {}) {
    const principal = await running.authority.principals.create(
      {
        name: `p-${++counter}-${Math.random().toString(36).slice(2, 8)}`,
        kind: "service",
        owner: "team-a",
        allowedScopes: scopes,
      },
      system,
    );
    const issued = await running.authority.keys.issue({ principalId: principal.id, scopes, ...keyOptions }, system);
    return { id: issued.key.id, secret: issued.secret, principalId: principal.id };
  }
  const admin = await key([...ADMIN_SCOPES]);

  return {
    running,
    store,
    system,
    adminKey: admin.secret,
    key,
    async verifier(verifierOptions = {}) {
      const verifier = createVerifier({
        url: running.url,
        credential: admin.secret,
        name: `test-${++counter}`,
        staleness: "5s",
        ...verifierOptions,
      });
      verifiers.push(verifier);
      await verifier.ready(20_000);
      return verifier;
    },
    async request(method, path, body) {
      const response = await fetch(`${running.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${admin.secret}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as never };
    },
    async close() {
      await Promise.all(verifiers.map((v) => v.close()));
      await running.close();
      if (!options.store) await store.drop();
    },
  };
}

/** Polls `check` until it returns true or `timeoutMs` passes (a bound, not a timing assertion). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
