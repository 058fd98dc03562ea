import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describeEachStore } from "../stores.js";
import { createOAuthHarness, type OAuthHarness, persistedText } from "./helpers.js";

describeEachStore("POST /oauth/token client_credentials", (kind) => {
  let h: OAuthHarness;
  beforeEach(async () => {
    h = await createOAuthHarness(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  it("issues an RFC 9068 access token that verifies against the JWKS", async () => {
    const c = await h.client({ scopes: ["orders:read", "orders:write", "keys:read"] });
    const res = await h.form("/oauth/token", { grant_type: "client_credentials" }, h.basic(c.id, c.secret));
    expect(res.statusCode).toBe(200);
    expect(res.headers["cache-control"]).toBe("no-store");
    const body = res.json();
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 300, scope: "orders:read orders:write" });
    expect(body.refresh_token).toBeUndefined();

    const header = decodeProtectedHeader(body.access_token);
    expect(header).toMatchObject({ typ: "at+jwt", alg: "EdDSA" });
    const jwks = (await h.app.inject({ method: "GET", url: "/.well-known/jwks.json" })).json();
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toContain(header.kid);
    const { payload } = await jwtVerify(body.access_token, createLocalJWKSet(jwks), {
      issuer: "http://tessera.test",
      audience: "http://tessera.test",
      typ: "at+jwt",
      currentDate: new Date(h.clock.now()),
    });
    expect(payload).toMatchObject({ sub: c.id, client_id: c.id, scope: "orders:read orders:write" });
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(payload.gid).toMatch(/^gid_/);
    expect(typeof payload.jti).toBe("string");

    const [issued] = await h.changes("grant.issued");
    expect(issued).toMatchObject({ familyId: payload.gid, clientId: c.id, jti: payload.jti });
    expect((await h.audits("oauth.grant.issued"))[0]).toMatchObject({ actor: c.id });
    const text = await persistedText(h);
    expect(text).not.toContain(c.secret);
    expect(text).not.toContain(body.access_token);
    // The client secret's use is recorded like any API key's.
    await h.authority.usage.flush();
    expect((await h.authority.keys.get(c.keyId)).lastUsedAt).toEqual(expect.any(String));
  });

  it("accepts client_secret_post, narrows to a requested scope and sets the audience from resource", async () => {
    const c = await h.client();
    const res = await h.form("/oauth/token", {
      grant_type: "client_credentials",
      client_id: c.id,
      client_secret: c.secret,
      scope: "orders:read",
      resource: "https://api.example/orders",
    });
    expect(res.statusCode).toBe(200);
    const token = res.json().access_token as string;
    const payload = JSON.parse(Buffer.from(token.split(".")[1] as string, "base64url").toString());
    expect(payload).toMatchObject({ scope: "orders:read", aud: "https://api.example/orders" });
  });

  it("concurrent grants (written together) each get their own family, audit record and change entry", async () => {
    const c = await h.client({ oauth: { refreshTokens: true } });
    const results = await Promise.all(
      Array.from({ length: 25 }, () =>
        h.form("/oauth/token", { grant_type: "client_credentials" }, h.basic(c.id, c.secret)),
      ),
    );
    expect(results.map((r) => r.statusCode)).toEqual(Array(25).fill(200));
    const gids = results.map(
      (r) => JSON.parse(Buffer.from(r.json().access_token.split(".")[1], "base64url").toString()).gid,
    );
    expect(new Set(gids).size).toBe(25);
    expect(await h.count("oauth_grant_families")).toBe(25);
    expect(await h.count("oauth_refresh_tokens")).toBe(25);
    expect(await h.changes("grant.issued")).toHaveLength(25);
    expect(await h.audits("oauth.grant.issued")).toHaveLength(25);
    expect((await h.authority.audit.verify()).ok).toBe(true);
    for (const r of results) expect((await h.authority.introspect(r.json().refresh_token)).response.active).toBe(true);
  });

  it("honours a client's own lifetime, capped by policy", async () => {
    const short = await h.client({ oauth: { accessTokenTtlSeconds: 60 } });
    const long = await h.client({ oauth: { accessTokenTtlSeconds: 999_999 } });
    const a = await h.form("/oauth/token", { grant_type: "client_credentials" }, h.basic(short.id, short.secret));
    const b = await h.form("/oauth/token", { grant_type: "client_credentials" }, h.basic(long.id, long.secret));
    expect(a.json().expires_in).toBe(60);
    expect(b.json().expires_in).toBe(3600);
  });

  describe("refuses bad input with the RFC 6749 error and issues nothing", () => {
    it("wrong secrets and wrong clients: invalid_client, 401 with WWW-Authenticate", async () => {
      const c = await h.client();
      const other = await h.client();
      const user = await h.client({ kind: "user" });
      const plainKey = await h.key(["orders:read"]);
      const attempts: Record<string, string>[] = [
        h.basic(c.id, other.secret),
        // The last character changed (to "x", or "y" when it already is one: one secret in 62 ends in x).
        h.basic(c.id, `${c.secret.slice(0, -1)}${c.secret.endsWith("x") ? "y" : "x"}`),
        h.basic(c.id, "not-a-token"),
        h.basic("prn_nobody", c.secret),
        h.basic(user.id, user.secret),
        h.basic(plainKey.principalId, plainKey.secret),
        { authorization: "Basic !!!" },
        { authorization: `Bearer ${c.secret}` },
      ];
      for (const headers of attempts) {
        const res = await h.form("/oauth/token", { grant_type: "client_credentials" }, headers);
        expect(res.statusCode).toBe(401);
        expect(res.json().error).toBe("invalid_client");
        expect(res.headers["www-authenticate"]).toMatch(/^Basic /);
        expect(res.headers["cache-control"]).toBe("no-store");
        expect(res.body).not.toContain(c.secret);
      }
      const noAuth = await h.form("/oauth/token", { grant_type: "client_credentials", client_id: c.id });
      expect(noAuth.statusCode).toBe(401);
      expect(noAuth.json().error).toBe("invalid_client");
      expect(await h.count("oauth_grant_families")).toBe(0);
      const failures = await h.audits("oauth.client_auth.failed");
      expect(failures.length).toBe(attempts.length + 1);
      expect(JSON.stringify(failures)).not.toContain(other.secret);
    });

    it("a revoked client secret or a disabled client no longer authenticates", async () => {
      const c = await h.client();
      await h.authority.lifecycle.revoke(c.keyId, "test", h.system);
      const res = await h.form("/oauth/token", { grant_type: "client_credentials" }, h.basic(c.id, c.secret));
      expect(res.statusCode).toBe(401);
    });

    it("grant types, scopes, resources and malformed bodies", async () => {
      const c = await h.client();
      const auth = h.basic(c.id, c.secret);
      const cases: [Record<string, string>, string][] = [
        [{}, "invalid_request"],
        [{ grant_type: "password", username: "a", password: "b" }, "unsupported_grant_type"],
        [{ grant_type: "authorization_code", code: "x" }, "unsupported_grant_type"],
        [{ grant_type: "client_credentials", scope: "billing:read" }, "invalid_scope"],
        [{ grant_type: "client_credentials", scope: "orders:read keys:write" }, "invalid_scope"],
        [{ grant_type: "client_credentials", scope: "oauth:client" }, "invalid_scope"],
        [{ grant_type: "client_credentials", scope: "bad\u0000scope" }, "invalid_scope"],
        [{ grant_type: "client_credentials", resource: "not a uri" }, "invalid_target"],
        [{ grant_type: "client_credentials", resource: "https://a.example/#frag" }, "invalid_target"],
        [{ grant_type: "refresh_token" }, "invalid_request"],
        [{ grant_type: "refresh_token", refresh_token: "garbage" }, "invalid_grant"],
        [{ grant_type: "x".repeat(5000) }, "unsupported_grant_type"],
      ];
      for (const [params, error] of cases) {
        const res = await h.form("/oauth/token", params, auth);
        expect(res.statusCode, JSON.stringify(params).slice(0, 80)).toBe(400);
        expect(res.json().error).toBe(error);
        expect(res.headers["cache-control"]).toBe("no-store");
      }
      const both = await h.form("/oauth/token", { grant_type: "client_credentials", client_secret: c.secret }, auth);
      expect(both.json().error).toBe("invalid_request");

      const repeated = await h.app.inject({
        method: "POST",
        url: "/oauth/token",
        headers: { "content-type": "application/x-www-form-urlencoded", ...auth },
        payload: "grant_type=client_credentials&scope=orders:read&scope=orders:write",
      });
      expect(repeated.statusCode).toBe(400);
      expect(repeated.json().error).toBe("invalid_request");

      const json = await h.app.inject({
        method: "POST",
        url: "/oauth/token",
        headers: { "content-type": "application/json", ...auth },
        payload: JSON.stringify({ grant_type: "client_credentials" }),
      });
      expect(json.statusCode).toBe(400);
      expect(json.json().error).toBe("invalid_request");

      const xml = await h.app.inject({
        method: "POST",
        url: "/oauth/token",
        headers: { "content-type": "text/xml", ...auth },
        payload: "<a/>",
      });
      expect(xml.statusCode).toBe(400);
      expect(xml.json().error).toBe("invalid_request");

      const badJson = await h.app.inject({
        method: "POST",
        url: "/oauth/token",
        headers: { "content-type": "application/json", ...auth },
        payload: `{"client_secret": "${c.secret}"`,
      });
      expect(badJson.statusCode).toBe(400);
      expect(badJson.body).not.toContain(c.secret);

      expect(await h.count("oauth_grant_families")).toBe(0);
    });

    it("a client allowed only admin scopes gets invalid_scope", async () => {
      const c = await h.client({ scopes: ["keys:read"] });
      const res = await h.form("/oauth/token", { grant_type: "client_credentials" }, h.basic(c.id, c.secret));
      expect(res.json().error).toBe("invalid_scope");
    });
  });

  it("publishes RFC 8414 metadata listing exactly what is supported", async () => {
    const res = await h.app.inject({ method: "GET", url: "/.well-known/oauth-authorization-server" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      issuer: "http://tessera.test",
      token_endpoint: "http://tessera.test/oauth/token",
      jwks_uri: "http://tessera.test/.well-known/jwks.json",
      introspection_endpoint: "http://tessera.test/oauth/introspect",
      revocation_endpoint: "http://tessera.test/oauth/revoke",
      grant_types_supported: ["client_credentials", "refresh_token"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    });
  });
});
