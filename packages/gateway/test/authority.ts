/**
 * A real authority on a loopback port (fresh SQLite database) for the gateway's tests, driven
 * through its public API: keys minted by its services, revocations through its HTTP API.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADMIN_SCOPES, loadConfig, type RunningAuthority, startAuthority } from "../../authority/src/index.js";

export interface TestAuthority {
  running: RunningAuthority;
  url: string;
  /** An admin key holding every admin scope (also used as the gateway's feed key). */
  adminKey: string;
  key(
    scopes?: string[],
    options?: { expiresInMs?: number; audience?: string },
  ): Promise<{ id: string; secret: string; principalId: string }>;
  /** An OAuth client (a principal with a key holding `oauth:client`) allowed these scopes. */
  oauthClient(scopes: string[]): Promise<{ id: string; secret: string }>;
  /** `GET /v1/keys/{id}` as the admin sees it. */
  keyView(id: string): Promise<{ lastUsedAt: string | null }>;
  /** Revokes through `POST /v1/keys/{id}/revoke`; resolves when the answer has arrived. */
  revoke(id: string): Promise<void>;
  close(): Promise<void>;
}

const system = { id: "system:gateway-test", scopes: new Set<string>(ADMIN_SCOPES) };
let counter = 0;

export async function startTestAuthority(): Promise<TestAuthority> {
  const dir = mkdtempSync(join(tmpdir(), "tessera-gateway-test-"));
  const config = loadConfig(
    {},
    { databaseUrl: join(dir, "tessera.db"), port: 0, usageFlushIntervalMs: 50, issuer: "http://tessera.test" },
  );
  const running = await startAuthority(config, { logger: false });

  async function key(scopes: string[] = ["orders:read"], options: { expiresInMs?: number; audience?: string } = {}) {
    const principal = await running.authority.principals.create(
      {
        name: `gw-${++counter}-${Math.random().toString(36).slice(2, 8)}`,
        kind: "service",
        owner: "team-gw",
        allowedScopes: scopes,
      },
      system,
    );
    const issued = await running.authority.keys.issue({ principalId: principal.id, scopes, ...options }, system);
    return { id: issued.key.id, secret: issued.secret, principalId: principal.id };
  }
  const admin = await key([...ADMIN_SCOPES]);

  return {
    running,
    url: running.url,
    adminKey: admin.secret,
    key,
    async oauthClient(scopes) {
      const principal = await running.authority.principals.create(
        {
          name: `gw-client-${++counter}`,
          kind: "service",
          owner: "team-gw",
          allowedScopes: [...scopes, "oauth:client"],
        },
        system,
      );
      const issued = await running.authority.keys.issue(
        { principalId: principal.id, scopes: ["oauth:client"] },
        system,
      );
      return { id: principal.id, secret: issued.secret };
    },
    async keyView(id) {
      const response = await fetch(`${running.url}/v1/keys/${id}`, {
        headers: { authorization: `Bearer ${admin.secret}` },
      });
      return (await response.json()) as { lastUsedAt: string | null };
    },
    async revoke(id) {
      const response = await fetch(`${running.url}/v1/keys/${id}/revoke`, {
        method: "POST",
        headers: { authorization: `Bearer ${admin.secret}`, "content-type": "application/json" },
        body: JSON.stringify({ reason: "gateway test" }),
      });
      if (response.status !== 200) throw new Error(`revoke answered ${response.status}: ${await response.text()}`);
      await response.arrayBuffer();
    },
    async close() {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
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
