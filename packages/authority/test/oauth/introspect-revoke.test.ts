import { afterEach, beforeEach, expect, it } from "vitest";
import { describeEachStore } from "../stores.js";
import { createOAuthHarness, type OAuthHarness, persistedText } from "./helpers.js";

function flipFirstBit(base64url: string): string {
  const bytes = Buffer.from(base64url, "base64url");
  bytes[0] = (bytes[0] as number) ^ 1;
  return bytes.toString("base64url");
}

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1] as string, "base64url").toString());

describeEachStore("OAuth introspection and revocation", (kind) => {
  let h: OAuthHarness;
  beforeEach(async () => {
    h = await createOAuthHarness(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  async function grant(client: { id: string; secret: string }) {
    const res = await h.form("/oauth/token", { grant_type: "client_credentials" }, h.basic(client.id, client.secret));
    return res.json() as { access_token: string; refresh_token?: string };
  }

  async function introspectAsAdmin(token: string, adminSecret: string) {
    const res = await h.form("/oauth/introspect", { token }, { authorization: `Bearer ${adminSecret}` });
    expect(res.statusCode).toBe(200);
    return res.json();
  }

  it("introspects JWT access tokens and refresh tokens with RFC 7662 fields", async () => {
    const admin = await h.adminKey(["introspect"]);
    const c = await h.client({ oauth: { refreshTokens: true } });
    const tokens = await grant(c);
    const claims = claimsOf(tokens.access_token);
    expect(await introspectAsAdmin(tokens.access_token, admin.secret)).toEqual({
      active: true,
      scope: "orders:read orders:write",
      client_id: c.id,
      sub: c.id,
      aud: "http://tessera.test",
      exp: claims.exp,
      iat: claims.iat,
      iss: "http://tessera.test",
      token_type: "Bearer",
      jti: claims.jti,
      gid: claims.gid,
    });
    expect(await introspectAsAdmin(tokens.refresh_token as string, admin.secret)).toMatchObject({
      active: true,
      client_id: c.id,
      token_type: "refresh_token",
      gid: claims.gid,
    });
    // Expired is inactive.
    h.clock.advance(301_000);
    expect(await introspectAsAdmin(tokens.access_token, admin.secret)).toEqual({ active: false });
  });

  it("lets a client introspect its own tokens only", async () => {
    const a = await h.client();
    const b = await h.client();
    const token = (await grant(a)).access_token;
    const own = await h.form("/oauth/introspect", { token }, h.basic(a.id, a.secret));
    expect(own.json()).toMatchObject({ active: true, client_id: a.id });
    const other = await h.form("/oauth/introspect", { token }, h.basic(b.id, b.secret));
    expect(other.json()).toEqual({ active: false });
    const post = await h.form("/oauth/introspect", { token, client_id: a.id, client_secret: a.secret });
    expect(post.json().active).toBe(true);
    const wrong = await h.form("/oauth/introspect", { token }, h.basic(a.id, b.secret));
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error).toBe("invalid_client");
  });

  it("revokes an access token by jti: inactive before exp, with the access_token.revoked event", async () => {
    const admin = await h.adminKey(["introspect"]);
    const c = await h.client();
    const token = (await grant(c)).access_token;
    const res = await h.form("/oauth/revoke", { token, token_type_hint: "refresh_token" }, h.basic(c.id, c.secret));
    expect(res.statusCode).toBe(200);
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(await introspectAsAdmin(token, admin.secret)).toEqual({ active: false });
    const claims = claimsOf(token);
    expect(await h.changes("access_token.revoked")).toEqual([
      { jti: claims.jti, exp: claims.exp, principalId: c.id, familyId: claims.gid },
    ]);
    // Idempotent: no second event.
    await h.form("/oauth/revoke", { token }, h.basic(c.id, c.secret));
    expect(await h.changes("access_token.revoked")).toHaveLength(1);
  });

  it("with ?wait= answers with the revocation's receipt", async () => {
    const c = await h.client();
    const token = (await grant(c)).access_token;
    const res = await h.form("/oauth/revoke?wait=1s", { token }, h.basic(c.id, c.secret));
    expect(res.statusCode).toBe(200);
    const seq = await h.authority.database.db
      .selectFrom("change_log")
      .select("seq")
      .where("type", "=", "access_token.revoked")
      .executeTakeFirstOrThrow();
    expect(res.json().receipt).toMatchObject({ sequence: Number(seq.seq) });
    const again = await h.form("/oauth/revoke?wait=1s", { token }, h.basic(c.id, c.secret));
    expect(again.json()).toEqual({ receipt: null });
    const bad = await h.form("/oauth/revoke?wait=forever", { token }, h.basic(c.id, c.secret));
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toBe("invalid_request");
    const tooLong = await h.form("/oauth/revoke?wait=1h", { token }, h.basic(c.id, c.secret));
    expect(tooLong.json().error).toBe("invalid_request");
  });

  it("revoking a refresh token revokes its family and the family's access tokens", async () => {
    const c = await h.client({ oauth: { refreshTokens: true } });
    const tokens = await grant(c);
    const res = await h.form("/oauth/revoke", { token: tokens.refresh_token as string }, h.basic(c.id, c.secret));
    expect(res.statusCode).toBe(200);
    expect((await h.authority.introspect(tokens.access_token)).response.active).toBe(false);
    expect((await h.authority.introspect(tokens.refresh_token)).response.active).toBe(false);
    const claims = claimsOf(tokens.access_token);
    expect(await h.changes("grant_family.revoked")).toEqual([{ familyId: claims.gid, exp: claims.exp }]);
    const refreshed = await h.form(
      "/oauth/token",
      { grant_type: "refresh_token", refresh_token: tokens.refresh_token as string },
      h.basic(c.id, c.secret),
    );
    expect(refreshed.json().error).toBe("invalid_grant");
  });

  it("answers 200 for unknown tokens and other clients' tokens, changing nothing", async () => {
    const a = await h.client({ oauth: { refreshTokens: true } });
    const b = await h.client();
    const tokens = await grant(a);
    for (const token of [tokens.access_token, tokens.refresh_token as string, "unknown", "eyJ.x.y", "tsr_nope"]) {
      const res = await h.form("/oauth/revoke", { token }, h.basic(b.id, b.secret));
      expect(res.statusCode).toBe(200);
    }
    expect((await h.authority.introspect(tokens.access_token)).response.active).toBe(true);
    expect((await h.authority.introspect(tokens.refresh_token)).response.active).toBe(true);
    expect(await h.changes("access_token.revoked")).toHaveLength(0);
  });

  it("refuses API keys (unsupported_token_type), missing tokens and bad client credentials", async () => {
    const c = await h.client();
    const apiKey = await h.form("/oauth/revoke", { token: c.secret }, h.basic(c.id, c.secret));
    expect(apiKey.statusCode).toBe(400);
    expect(apiKey.json().error).toBe("unsupported_token_type");
    expect((await h.authority.introspect(c.secret)).response.active).toBe(true);
    const missing = await h.form("/oauth/revoke", {}, h.basic(c.id, c.secret));
    expect(missing.json().error).toBe("invalid_request");
    const noClient = await h.form("/oauth/revoke", { token: "x" });
    expect(noClient.statusCode).toBe(401);
    expect(noClient.json().error).toBe("invalid_client");
  });

  it("disabling a principal cuts off its access tokens and revokes its grant families in the same change", async () => {
    const c = await h.client({ oauth: { refreshTokens: true } });
    const tokens = await grant(c);
    const before = await h.authority.database.db
      .selectFrom("sequences")
      .select("value")
      .where("name", "=", "change")
      .executeTakeFirstOrThrow();
    await h.authority.principals.disable(c.id, "left the company", h.system);
    expect((await h.authority.introspect(tokens.access_token)).response.active).toBe(false);
    expect((await h.authority.introspect(tokens.refresh_token)).response.active).toBe(false);
    const [cutoff] = await h.changes("principal.cutoff");
    expect(cutoff).toEqual({ principalId: c.id, before: Math.floor(h.clock.now() / 1000) + 1 });
    expect(claimsOf(tokens.access_token).iat).toBeLessThan(cutoff?.before as number);
    expect(await h.changes("grant_family.revoked")).toHaveLength(1);
    const rows = await h.authority.database.db
      .selectFrom("change_log")
      .select(["seq", "at"])
      .where("seq", ">", Number(before.value))
      .execute();
    // One transaction: every entry has the same time.
    expect(new Set(rows.map((r) => r.at)).size).toBe(1);
    expect(await persistedText(h)).not.toContain(tokens.refresh_token);
  });

  it("tampered, foreign and unsigned JWTs are inactive", async () => {
    const c = await h.client();
    const token = (await grant(c)).access_token;
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const claims = claimsOf(token);
    const widened = Buffer.from(JSON.stringify({ ...claims, scope: "keys:write" })).toString("base64url");
    const none = Buffer.from(JSON.stringify({ alg: "none", typ: "at+jwt" })).toString("base64url");
    for (const bad of [
      `${header}.${widened}.${signature}`,
      `${none}.${payload}.`,
      `${header}.${payload}.${flipFirstBit(signature)}`,
      `${header}.${payload}`,
      "eyJhbGciOiJFZERTQSJ9.e30.AAAA",
    ]) {
      expect((await h.authority.introspect(bad)).response.active).toBe(false);
    }
  });
});
