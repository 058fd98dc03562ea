import { afterEach, beforeEach, expect, it } from "vitest";
import { describeEachStore } from "../stores.js";
import { createOAuthHarness, type OAuthHarness } from "./helpers.js";

// A client whose allowance names admin scopes (or its own client-secret scope) must never get
// an access token carrying them, however it asks: the admin API's scopes stay with admin keys.
describeEachStore("OAuth tokens never carry admin scopes", (kind) => {
  let h: OAuthHarness;
  beforeEach(async () => {
    h = await createOAuthHarness(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  it("refuses an explicit request for an admin scope or oauth:client the allowance names, and issues nothing", async () => {
    const c = await h.client({ scopes: ["orders:read", "keys:write", "audit:read"], oauth: { refreshTokens: true } });
    for (const scope of ["keys:write", "orders:read audit:read", "oauth:client"]) {
      const res = await h.form("/oauth/token", { grant_type: "client_credentials", scope }, h.basic(c.id, c.secret));
      expect(res.statusCode, scope).toBe(400);
      expect(res.json().error, scope).toBe("invalid_scope");
    }
    expect(await h.count("oauth_grant_families")).toBe(0);
  });

  it("a refresh cannot add an admin scope to a family", async () => {
    const c = await h.client({ scopes: ["orders:read", "keys:write"], oauth: { refreshTokens: true } });
    const granted = await h.form("/oauth/token", { grant_type: "client_credentials" }, h.basic(c.id, c.secret));
    expect(granted.json().scope).toBe("orders:read");
    const res = await h.form(
      "/oauth/token",
      { grant_type: "refresh_token", refresh_token: granted.json().refresh_token, scope: "orders:read keys:write" },
      h.basic(c.id, c.secret),
    );
    expect(res.json().error).toBe("invalid_scope");
  });
});
