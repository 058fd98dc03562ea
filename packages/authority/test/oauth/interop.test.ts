/**
 * Interoperability with real clients over real HTTP: panva's openid-client v6 (discovery
 * through RFC 8414 metadata, client_credentials, refresh, introspection, revocation, DPoP with
 * a server nonce) and jose verifying issued access tokens against the JWKS URL.
 */
import { createServer } from "node:net";
import { createRemoteJWKSet, jwtVerify } from "jose";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { systemActor } from "../../src/principals/index.js";
import { type RunningAuthority, startAuthority } from "../../src/server.js";
import { createTestStore, STORE_KINDS, type TestStore } from "../stores.js";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

for (const kind of STORE_KINDS) {
  describe(`interoperability with openid-client and jose [${kind}]`, () => {
    let store: TestStore;
    let running: RunningAuthority;
    let issuer: string;
    let counter = 0;

    beforeAll(async () => {
      store = await createTestStore(kind);
      const port = await freePort();
      issuer = `http://127.0.0.1:${port}`;
      running = await startAuthority(
        loadConfig({}, { databaseUrl: store.url, port, issuer, dpopNonceRequired: true }),
        { logger: false },
      );
    });
    afterAll(async () => {
      await running?.close();
      await store?.drop();
    });

    async function newClient(oauth: Record<string, unknown> = {}) {
      const system = systemActor("test");
      const principal = await running.authority.principals.create(
        {
          name: `interop-${kind}-${++counter}`,
          kind: "service",
          owner: "interop",
          allowedScopes: ["orders:read", "orders:write", "oauth:client"],
          metadata: { oauth },
        },
        system,
      );
      const key = await running.authority.keys.issue({ principalId: principal.id, scopes: ["oauth:client"] }, system);
      return { id: principal.id, secret: key.secret };
    }

    async function discover(client: { id: string; secret: string }, auth: "basic" | "post" = "basic") {
      return oidc.discovery(
        new URL(issuer),
        client.id,
        undefined,
        auth === "basic" ? oidc.ClientSecretBasic(client.secret) : oidc.ClientSecretPost(client.secret),
        { algorithm: "oauth2", execute: [oidc.allowInsecureRequests] },
      );
    }

    it("discovers the server and gets a client_credentials token that jose verifies against the JWKS URL", async () => {
      const client = await newClient();
      const config = await discover(client);
      expect(config.serverMetadata().token_endpoint).toBe(`${issuer}/oauth/token`);
      const tokens = await oidc.clientCredentialsGrant(config, { scope: "orders:read" });
      expect(tokens.token_type).toBe("bearer");
      expect(tokens.scope).toBe("orders:read");
      const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
      const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, {
        issuer,
        audience: issuer,
        typ: "at+jwt",
        algorithms: ["EdDSA"],
      });
      expect(protectedHeader.kid).toEqual(expect.any(String));
      expect(payload).toMatchObject({ client_id: client.id, sub: client.id, scope: "orders:read" });
    });

    it("refreshes, introspects and revokes with client_secret_post", async () => {
      const client = await newClient({ refreshTokens: true });
      const config = await discover(client, "post");
      const first = await oidc.clientCredentialsGrant(config);
      expect(first.refresh_token).toMatch(/^tsr_/);
      const second = await oidc.refreshTokenGrant(config, first.refresh_token as string);
      expect(second.refresh_token).not.toBe(first.refresh_token);

      const introspected = await oidc.tokenIntrospection(config, second.access_token);
      expect(introspected).toMatchObject({ active: true, client_id: client.id, token_type: "Bearer" });
      expect((await oidc.tokenIntrospection(config, second.refresh_token as string)).active).toBe(true);

      await oidc.tokenRevocation(config, second.refresh_token as string);
      expect((await oidc.tokenIntrospection(config, second.access_token)).active).toBe(false);
      await expect(oidc.refreshTokenGrant(config, second.refresh_token as string)).rejects.toMatchObject({
        error: "invalid_grant",
      });
      // Reuse of the first (spent) refresh token is refused too.
      await expect(oidc.refreshTokenGrant(config, first.refresh_token as string)).rejects.toMatchObject({
        error: "invalid_grant",
      });
    });

    it("binds tokens with DPoP, handling the server nonce", async () => {
      const client = await newClient({ refreshTokens: true });
      const config = await discover(client);
      const DPoP = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair("ES256"));
      const tokens = await oidc.clientCredentialsGrant(config, undefined, { DPoP });
      expect(tokens.token_type).toBe("dpop");
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token as string, undefined, { DPoP });
      expect(refreshed.token_type).toBe("dpop");
      const introspected = await oidc.tokenIntrospection(config, refreshed.access_token);
      expect(introspected).toMatchObject({ active: true, token_type: "DPoP", cnf: { jkt: expect.any(String) } });
      // The refresh token is bound: without the key it is refused.
      await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token as string)).rejects.toMatchObject({
        error: "invalid_dpop_proof",
      });
    });

    it("revokes an access token by jti", async () => {
      const client = await newClient();
      const config = await discover(client);
      const tokens = await oidc.clientCredentialsGrant(config);
      await oidc.tokenRevocation(config, tokens.access_token);
      expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
    });

    it("reports a wrong secret as invalid_client", async () => {
      const client = await newClient();
      const other = await newClient();
      const config = await discover({ id: client.id, secret: other.secret });
      // A 401 with a Basic challenge: openid-client reports the challenge and keeps the RFC body.
      const error = await oidc.clientCredentialsGrant(config).then(
        () => null,
        (e: unknown) => e as oidc.WWWAuthenticateChallengeError,
      );
      expect(error).toBeInstanceOf(oidc.WWWAuthenticateChallengeError);
      expect(error?.status).toBe(401);
      expect(error?.cause[0]?.scheme).toBe("basic");
      expect(await error?.response.json()).toMatchObject({ error: "invalid_client" });
    });
  });
}
