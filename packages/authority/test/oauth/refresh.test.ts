import { hashToken } from "@tessera/verifier";
import { afterEach, beforeEach, expect, it } from "vitest";
import { describeEachStore } from "../stores.js";
import { createOAuthHarness, type OAuthHarness, persistedText } from "./helpers.js";

const DAY = 86_400_000;

describeEachStore("refresh tokens", (kind) => {
  let h: OAuthHarness;
  beforeEach(async () => {
    h = await createOAuthHarness(kind, { refreshTokenIdleTtlMs: 2 * DAY, refreshTokenMaxTtlMs: 5 * DAY });
  });
  afterEach(async () => {
    await h.close();
  });

  async function grant(client: { id: string; secret: string }, extra: Record<string, string> = {}) {
    const res = await h.form(
      "/oauth/token",
      { grant_type: "client_credentials", ...extra },
      h.basic(client.id, client.secret),
    );
    expect(res.statusCode).toBe(200);
    return res.json() as { access_token: string; refresh_token: string; scope: string };
  }

  function refresh(client: { id: string; secret: string }, token: string, extra: Record<string, string> = {}) {
    return h.form(
      "/oauth/token",
      { grant_type: "refresh_token", refresh_token: token, ...extra },
      h.basic(client.id, client.secret),
    );
  }

  async function active(token: string): Promise<boolean> {
    return (await h.authority.introspect(token)).response.active;
  }

  it("gives a refreshTokens client its first refresh token with client_credentials, and rotates it on every use", async () => {
    const c = await h.client({ oauth: { refreshTokens: true } });
    const first = await grant(c);
    expect(first.refresh_token).toMatch(/^tsr_[0-9A-Za-z]{38}$/);
    const row = await h.authority.database.db.selectFrom("oauth_refresh_tokens").selectAll().executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(hashToken(first.refresh_token));

    const res = await refresh(c, first.refresh_token);
    expect(res.statusCode).toBe(200);
    const second = res.json();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.scope).toBe(first.scope);
    const gid = (t: string) => JSON.parse(Buffer.from(t.split(".")[1] as string, "base64url").toString()).gid;
    expect(gid(second.access_token)).toBe(gid(first.access_token));
    expect(await active(second.refresh_token)).toBe(true);
    expect(await active(first.refresh_token)).toBe(false);
    expect((await h.changes("grant.refreshed"))[0]).toMatchObject({ familyId: gid(first.access_token) });

    const text = await persistedText(h);
    for (const secret of [first.refresh_token, second.refresh_token, c.secret]) expect(text).not.toContain(secret);
  });

  it("a client without refreshTokens gets none", async () => {
    const c = await h.client();
    expect((await grant(c)).refresh_token).toBeUndefined();
  });

  it("presenting a spent refresh token revokes the whole family and is audited as suspected theft", async () => {
    const c = await h.client({ oauth: { refreshTokens: true } });
    const first = await grant(c);
    const second = (await refresh(c, first.refresh_token)).json();
    expect(await active(second.access_token)).toBe(true);

    const replay = await refresh(c, first.refresh_token);
    expect(replay.statusCode).toBe(400);
    expect(replay.json().error).toBe("invalid_grant");

    // Everything of the family is dead: the legitimate holder's newer tokens too.
    expect(await active(second.refresh_token)).toBe(false);
    expect(await active(second.access_token)).toBe(false);
    expect(await active(first.access_token)).toBe(false);
    expect((await refresh(c, second.refresh_token)).json().error).toBe("invalid_grant");

    const [revoked] = await h.changes("grant_family.revoked");
    const gid = JSON.parse(Buffer.from(second.access_token.split(".")[1], "base64url").toString()).gid;
    expect(revoked).toMatchObject({ familyId: gid });
    expect(typeof revoked?.exp).toBe("number");
    const [theft] = await h.audits("oauth.refresh_token.reused");
    expect(theft?.reason).toMatch(/suspected theft/);
  });

  it("two concurrent refreshes with one token: one wins, and the reuse revokes the family", async () => {
    const c = await h.client({ oauth: { refreshTokens: true } });
    const tokens = await grant(c);
    const results = await Promise.all([refresh(c, tokens.refresh_token), refresh(c, tokens.refresh_token)]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 400]);
    const winner = results.find((r) => r.statusCode === 200)?.json();
    expect(await active(winner.refresh_token)).toBe(false);
    expect(await h.audits("oauth.refresh_token.reused")).toHaveLength(1);
  });

  it("refuses another client's refresh token without revoking it", async () => {
    const owner = await h.client({ oauth: { refreshTokens: true } });
    const thief = await h.client({ oauth: { refreshTokens: true } });
    const tokens = await grant(owner);
    const res = await refresh(thief, tokens.refresh_token);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe("invalid_grant");
    expect(await h.count("oauth_refresh_tokens")).toBe(1);
    expect((await refresh(owner, tokens.refresh_token)).statusCode).toBe(200);
  });

  it("may narrow the scope, never widen it", async () => {
    const c = await h.client({
      scopes: ["orders:read", "orders:write", "billing:read"],
      oauth: { refreshTokens: true },
    });
    const tokens = await grant(c, { scope: "orders:read orders:write" });
    const wider = await refresh(c, tokens.refresh_token, { scope: "orders:read billing:read" });
    expect(wider.json().error).toBe("invalid_scope");
    // A refused request does not spend the token.
    const narrower = await refresh(c, tokens.refresh_token, { scope: "orders:read" });
    expect(narrower.statusCode).toBe(200);
    expect(narrower.json().scope).toBe("orders:read");
    // The refresh token keeps the grant's scope (RFC 6749 6).
    const again = await refresh(c, narrower.json().refresh_token);
    expect(again.json().scope).toBe("orders:read orders:write");
  });

  it("expires after inactivity and after the absolute lifetime", async () => {
    const c = await h.client({ oauth: { refreshTokens: true } });
    const idle = await grant(c);
    h.clock.advance(2 * DAY);
    expect((await refresh(c, idle.refresh_token)).json().error).toBe("invalid_grant");

    let token = (await grant(c)).refresh_token;
    for (let day = 0; day < 4; day++) {
      h.clock.advance(DAY + 1000);
      const res = await refresh(c, token);
      expect(res.statusCode).toBe(200);
      token = res.json().refresh_token;
    }
    h.clock.advance(DAY);
    expect((await refresh(c, token)).json().error).toBe("invalid_grant");
  });

  it("garbage refresh tokens and refresh tokens with a bad checksum are invalid_grant, never a 5xx", async () => {
    const c = await h.client({ oauth: { refreshTokens: true } });
    const tokens = await grant(c);
    for (const bad of [
      `${tokens.refresh_token.slice(0, -1)}A`,
      tokens.refresh_token.replace("tsr_", "tsk_"),
      "tsr_",
      "x".repeat(8000),
      "\u0000\u0001",
      tokens.access_token,
    ]) {
      const res = await refresh(c, bad);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe("invalid_grant");
    }
  });
});
