import { randomBytes } from "node:crypto";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createAuthority } from "../../src/authority.js";
import { loadConfig } from "../../src/config.js";
import { developmentMasterKeyWarning, MasterKey } from "../../src/crypto/master-key.js";
import { loadOAuthReplicaState } from "../../src/oauth/replica-state.js";
import { codeAt } from "../stepup/helpers.js";
import { describeEachStore } from "../stores.js";
import { createOAuthHarness, type OAuthHarness } from "./helpers.js";

const MINUTE = 60_000;
const masterKey = new MasterKey(randomBytes(32), false);

describeEachStore("access-token signing keys", (kind) => {
  let h: OAuthHarness;
  beforeEach(async () => {
    h = await createOAuthHarness(kind, {
      masterKey,
      signingKeyPublicationDelayMs: 10 * MINUTE,
      accessTokenMaxTtlMs: 60 * MINUTE,
    });
  });
  afterEach(async () => {
    await h.close();
  });

  async function token(client: { id: string; secret: string }) {
    const res = await h.form("/oauth/token", { grant_type: "client_credentials" }, h.basic(client.id, client.secret));
    expect(res.statusCode).toBe(200);
    return res.json().access_token as string;
  }
  const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid as string;
  const jwks = async () => (await h.app.inject({ method: "GET", url: "/.well-known/jwks.json" })).json();
  const admin = (secret: string) => ({ authorization: `Bearer ${secret}`, "content-type": "application/json" });
  /** An admin key whose principal has enrolled TOTP, and a step-up proof for it at the harness's time. */
  async function steppedUpAdmin() {
    const root = await h.adminKey(["signing-keys:write"]);
    const actor = { id: root.principalId, scopes: new Set(["signing-keys:write"]) };
    const { secret } = await h.authority.stepUp.enrol(actor);
    await h.authority.stepUp.activate(actor, codeAt(secret, h.clock.now()));
    return {
      root,
      // Each code is accepted once: move to the next 30-second step before computing one.
      stepUp(justification: string) {
        h.clock.advance(30_000);
        return { otp: codeAt(secret, h.clock.now()), justification };
      },
    };
  }

  it("creates one key on first start, stores its private part encrypted under the master key", async () => {
    await h.authority.oauth.signingKeys.ensure();
    await h.authority.oauth.signingKeys.ensure();
    const rows = await h.authority.database.db.selectFrom("oauth_signing_keys").selectAll().execute();
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row.private_key_enc).toMatch(/^v1\./);
    expect(row.public_jwk).not.toContain('"d"');
    expect(() => MasterKey.development().decrypt(row.private_key_enc, `tessera:signing-key:${row.kid}`)).toThrow();
    // Bound to its kid: the ciphertext cannot be moved to another key's row.
    expect(() => masterKey.decrypt(row.private_key_enc, "tessera:signing-key:other")).toThrow();
    expect((await h.changes("signing_key.published"))[0]).toMatchObject({ kid: row.kid, notBefore: row.not_before });
  });

  // Several instances share PostgreSQL only; SQLite serves one process (and two authorities in
  // one process on one SQLite file block each other in the synchronous driver).
  it.skipIf(kind === "sqlite")(
    "two instances starting together on an empty database create one first key",
    async () => {
      const other = await createAuthority({ config: h.authority.config, clock: h.clock });
      try {
        await Promise.all([h.authority.oauth.signingKeys.ensure(), other.oauth.signingKeys.ensure()]);
        const rows = await h.authority.database.db.selectFrom("oauth_signing_keys").select("kid").execute();
        expect(rows).toHaveLength(1);
      } finally {
        await other.close();
      }
    },
  );

  it.skipIf(kind === "sqlite")("concurrent rotations through two instances publish one next key", async () => {
    await h.authority.oauth.signingKeys.ensure();
    const other = await createAuthority({ config: h.authority.config, clock: h.clock });
    try {
      const results = await Promise.allSettled([
        h.authority.oauth.signingKeys.rotate(h.system),
        other.oauth.signingKeys.rotate(h.system),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
      expect(await h.changes("signing_key.published")).toHaveLength(2);
    } finally {
      await other.close();
    }
  });

  it("an authority with another master key cannot sign with the stored keys, and says so without key material", async () => {
    await h.authority.oauth.signingKeys.ensure();
    const other = await createAuthority({
      config: loadConfig({}, { databaseUrl: h.store.url, masterKey: new MasterKey(randomBytes(32), false) }),
      clock: h.clock,
    });
    try {
      await expect(other.oauth.signingKeys.signer()).rejects.toThrow(/cannot be decrypted/);
    } finally {
      await other.close();
    }
  });

  it("rotates: publishes the next key before it signs, switches after the delay, retires the old one after the longest lifetime", async () => {
    const c = await h.client();
    const first = await token(c);
    const oldKid = kidOf(first);
    const root = await h.adminKey(["signing-keys:write"]);
    const rotated = await h.app.inject({
      method: "POST",
      url: "/v1/signing-keys/rotate",
      headers: admin(root.secret),
      payload: { reason: "quarterly" },
    });
    expect(rotated.statusCode).toBe(200);
    const newKid = rotated.json().kid as string;
    expect((await jwks()).keys.map((k: { kid: string }) => k.kid).sort()).toEqual([oldKid, newKid].sort());
    expect(kidOf(await token(c))).toBe(oldKid);
    const listed = await h.app.inject({ method: "GET", url: "/v1/signing-keys", headers: admin(root.secret) });
    expect(
      listed
        .json()
        .items.map((k: { state: string }) => k.state)
        .sort(),
    ).toEqual(["next", "retiring"]);

    h.clock.advance(10 * MINUTE);
    const second = await token(c);
    expect(kidOf(second)).toBe(newKid);
    expect((await h.authority.introspect(first)).response.active).toBe(false); // expired (5 min), not unverifiable
    h.clock.advance(60 * MINUTE);
    expect((await jwks()).keys.map((k: { kid: string }) => k.kid)).toEqual([newKid]);
    const retired = await h.changes("signing_key.retired");
    expect(retired).toEqual([{ kid: oldKid, emergency: false, at: expect.any(Number) }]);

    const again = await h.app.inject({
      method: "POST",
      url: "/v1/signing-keys/rotate",
      headers: admin(root.secret),
      payload: {},
    });
    expect(again.statusCode).toBe(200);
    const pending = await h.app.inject({
      method: "POST",
      url: "/v1/signing-keys/rotate",
      headers: admin(root.secret),
      payload: {},
    });
    expect(pending.statusCode).toBe(409);
  });

  it("emergency retirement invalidates every token the key signed at once and a new key signs", async () => {
    const c = await h.client();
    const before = await token(c);
    const kid = kidOf(before);
    expect((await h.authority.introspect(before)).response.active).toBe(true);
    const { root, stepUp } = await steppedUpAdmin();
    const refused = await h.app.inject({
      method: "POST",
      url: `/v1/signing-keys/${kid}/retire`,
      headers: admin(root.secret),
      payload: { emergency: true, reason: "key exposed" },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe("step_up_required");
    expect((await h.authority.introspect(before)).response.active).toBe(true);
    const res = await h.app.inject({
      method: "POST",
      url: `/v1/signing-keys/${kid}/retire`,
      headers: admin(root.secret),
      payload: { emergency: true, reason: "key exposed", stepUp: stepUp("INC-7: key found in a backup") },
    });
    expect(res.statusCode).toBe(200);
    const audit = await h.authority.audit.list({ action: "signing_key.retired", targetId: kid });
    expect(audit.items[0]?.data).toMatchObject({
      emergency: true,
      stepUp: { method: "totp", justification: "INC-7: key found in a backup" },
    });
    expect(res.json().replacement).toEqual(expect.any(String));
    expect((await h.authority.introspect(before)).response.active).toBe(false);
    const after = await token(c);
    expect(kidOf(after)).toBe(res.json().replacement);
    const keys = await jwks();
    expect(keys.keys.map((k: { kid: string }) => k.kid)).not.toContain(kid);
    await jwtVerify(after, createLocalJWKSet(keys), { currentDate: new Date(h.clock.now()) });
    expect(await h.changes("signing_key.retired")).toEqual([{ kid, emergency: true, at: expect.any(Number) }]);

    const state = await loadOAuthReplicaState(h.authority.database.db, h.clock.now());
    expect(state.signingKeys.find((k) => k.kid === kid)).toMatchObject({ retired: true, emergency: true });
    expect(state.signingKeys.find((k) => k.kid === res.json().replacement)).toMatchObject({ retired: false });
  });

  it("a non-emergency retirement of the only signing key is refused: rotate first", async () => {
    await h.authority.oauth.signingKeys.ensure();
    const [key] = await h.authority.oauth.signingKeys.list();
    const { root, stepUp } = await steppedUpAdmin();
    const res = await h.app.inject({
      method: "POST",
      url: `/v1/signing-keys/${key!.kid}/retire`,
      headers: admin(root.secret),
      payload: { reason: "routine", stepUp: stepUp("routine retirement") },
    });
    expect(res.statusCode).toBe(409);
  });

  it("signing-key endpoints require signing-keys:write", async () => {
    const weak = await h.adminKey(["keys:write", "keys:read"]);
    for (const [method, url] of [
      ["GET", "/v1/signing-keys"],
      ["POST", "/v1/signing-keys/rotate"],
      ["POST", "/v1/signing-keys/abcdefghijklmnopqrstuvwxyz/retire"],
    ] as const) {
      const res = await h.app.inject({
        method,
        url,
        headers: admin(weak.secret),
        payload: method === "POST" ? {} : undefined,
      });
      expect(res.statusCode).toBe(403);
      const none = await h.app.inject({ method, url });
      expect(none.statusCode).toBe(401);
    }
    expect(await h.changes("signing_key.published")).toHaveLength(0);
  });

  it("replica state lists revoked jtis, families and cutoffs that still matter", async () => {
    const c = await h.client({ oauth: { refreshTokens: true } });
    const res = await h.form("/oauth/token", { grant_type: "client_credentials" }, h.basic(c.id, c.secret));
    const { access_token, refresh_token } = res.json();
    const other = await h.client();
    const otherToken = await token(other);
    await h.form("/oauth/revoke", { token: otherToken }, h.basic(other.id, other.secret));
    await h.form("/oauth/revoke", { token: refresh_token }, h.basic(c.id, c.secret));
    await h.authority.principals.disable(other.id, "gone", h.system);
    const claims = JSON.parse(Buffer.from(access_token.split(".")[1], "base64url").toString());
    const otherClaims = JSON.parse(Buffer.from(otherToken.split(".")[1] as string, "base64url").toString());
    const state = await loadOAuthReplicaState(h.authority.database.db, h.clock.now());
    expect(state.revokedJtis).toEqual([{ jti: otherClaims.jti, exp: otherClaims.exp }]);
    // The refresh token's family, and the family of the disabled principal's (unexpired) grant.
    expect(state.revokedFamilies).toHaveLength(2);
    expect(state.revokedFamilies).toContainEqual({ familyId: claims.gid, exp: claims.exp });
    expect(state.revokedFamilies).toContainEqual({ familyId: otherClaims.gid, exp: otherClaims.exp });
    expect(state.principalCutoffs).toEqual([{ principalId: other.id, before: expect.any(Number) }]);
    expect(state.signingKeys).toHaveLength(1);
    const later = await loadOAuthReplicaState(h.authority.database.db, h.clock.now() + 2 * 60 * MINUTE);
    expect(later.revokedJtis).toEqual([]);
    expect(later.revokedFamilies).toEqual([]);
    expect(later.principalCutoffs).toEqual([]);
  });
});

it("the master key never serialises", () => {
  const key = new MasterKey(Buffer.alloc(32, 7), false);
  expect(JSON.stringify({ key })).toBe('{"key":"[redacted]"}');
  expect(JSON.stringify(loadConfig({}))).not.toContain(Buffer.alloc(32, 7).toString("base64"));
});

it("loads the master key from TESSERA_MASTER_KEY and refuses malformed ones without echoing them", async () => {
  const encoded = randomBytes(32).toString("base64");
  const config = loadConfig({ TESSERA_MASTER_KEY: encoded });
  expect(config.masterKey.development).toBe(false);
  expect(loadConfig({}).masterKey.development).toBe(true);
  // serve warns (stderr and log) on the development key, and only then.
  expect(developmentMasterKeyWarning(loadConfig({}).masterKey)).toMatch(/DEVELOPMENT key/);
  expect(developmentMasterKeyWarning(config.masterKey)).toBeNull();
  for (const bad of ["c2hvcnQ=", "not base64 at all!!", randomBytes(33).toString("base64")]) {
    let message = "";
    try {
      loadConfig({ TESSERA_MASTER_KEY: bad });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/32 random bytes/);
    expect(message).not.toContain(bad);
  }
  expect(() => loadConfig({ TESSERA_MASTER_KEY_FILE: "/nonexistent/key" })).toThrow(/cannot read/);
});
