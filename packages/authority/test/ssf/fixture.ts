/** Test helper: a real authority on loopback for SSF receivers to talk to, with a JSON client. */
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from "jose";
import { loadConfig } from "../../src/config.js";
import { type RunningAuthority, startAuthority } from "../../src/server.js";
import { createTestStore, type StoreKind, type TestStore } from "../stores.js";

export interface SsfFixture {
  server: RunningAuthority;
  store: TestStore;
  rootKey: string;
  call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Verifies a SET as a receiver would: against the published JWKS, issuer, audience and typ. */
  verifySet(
    jwt: string,
    audience: string,
  ): Promise<JWTPayload & { events: Record<string, Record<string, unknown>>; sub_id: Record<string, string> }>;
  issueKey(owner: string): Promise<{ id: string; secret: string; principalId: string }>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startSsfFixture(kind: StoreKind, existing?: TestStore): Promise<SsfFixture> {
  const store = existing ?? (await createTestStore(kind));
  // Push receivers in the tests listen on loopback, which the outbound address policy must allow.
  const config = () => loadConfig({}, { databaseUrl: store.url, port: 0, webhookAllowHosts: ["127.0.0.1"] });
  let server = await startAuthority(config(), { logger: false });
  const rootKey = server.bootstrap.rootKey?.secret as string;
  const fixture: SsfFixture = {
    get server() {
      return server;
    },
    store,
    rootKey,
    async call(method, path, body) {
      const response = await fetch(server.url + path, {
        method,
        headers: {
          authorization: `Bearer ${rootKey}`,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : null) as never };
    },
    async verifySet(jwt, audience) {
      const config = (await fixture.call<{ issuer: string; jwks_uri: string }>("GET", "/.well-known/ssf-configuration"))
        .body;
      // The issuer (TESSERA_ISSUER) names the public URL; this test's server listens on a random port.
      const jwks = createRemoteJWKSet(new URL(new URL(config.jwks_uri).pathname, server.url));
      const { payload } = await jwtVerify(jwt, jwks, { issuer: config.issuer, audience, typ: "secevent+jwt" });
      return payload as never;
    },
    async issueKey(owner) {
      const principal = await fixture.call<{ id: string }>("POST", "/v1/principals", {
        name: `svc-${owner}-${Math.random().toString(36).slice(2, 6)}`,
        kind: "service",
        owner,
        allowedScopes: ["orders:read"],
      });
      const issued = await fixture.call<{ key: { id: string }; secret: string }>("POST", "/v1/keys", {
        principalId: principal.body.id,
        scopes: ["orders:read"],
      });
      return { id: issued.body.key.id, secret: issued.body.secret, principalId: principal.body.id };
    },
    async restart() {
      await server.close();
      server = await startAuthority(config(), { logger: false });
    },
    async close() {
      await server.close();
      await store.drop();
    },
  };
  return fixture;
}
