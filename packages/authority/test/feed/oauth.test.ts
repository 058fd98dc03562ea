import { afterEach, beforeEach, expect, it } from "vitest";
import { describeEachStore } from "../stores.js";
import { createFeedFixture, eventually, type FeedFixture } from "./fixture.js";

describeEachStore("access tokens through the feed", (kind) => {
  let f: FeedFixture;
  beforeEach(async () => {
    f = await createFeedFixture(kind);
  });
  afterEach(async () => {
    await f.close();
  });

  async function accessToken(): Promise<{ token: string; clientId: string; secret: string }> {
    // Creates the first signing key ahead of the token request: on a fresh database a key made
    // during the request may carry a notBefore a millisecond after the request's "now".
    await f.running.authority.oauth.signingKeys.jwks();
    const principal = await f.running.authority.principals.create(
      {
        name: `client-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`,
        kind: "service",
        owner: "o",
        allowedScopes: ["orders:read", "oauth:client"],
      },
      f.system,
    );
    const key = await f.running.authority.keys.issue({ principalId: principal.id, scopes: ["oauth:client"] }, f.system);
    const response = await fetch(`${f.running.url}/oauth/token`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${principal.id}:${key.secret}`).toString("base64")}`,
      },
      body: "grant_type=client_credentials&scope=orders%3Aread",
    });
    const body = (await response.json()) as { access_token: string };
    expect(response.status, JSON.stringify(body)).toBe(200);
    return { token: body.access_token, clientId: principal.id, secret: key.secret };
  }

  it("verifies an issued access token locally and refuses it once revoked through /oauth/revoke", async () => {
    const { token, clientId, secret } = await accessToken();
    const verifier = await f.verifier();
    await eventually(() => verifier.verify(token).ok);
    expect(verifier.verify(token, { scopes: ["orders:read"] })).toMatchObject({
      ok: true,
      kind: "access_token",
      principalId: clientId,
    });
    expect(verifier.verify(token, { scopes: ["orders:write"] })).toEqual({ ok: false, reason: "scope_insufficient" });
    const revoked = await fetch(`${f.running.url}/oauth/revoke`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString("base64")}`,
      },
      body: new URLSearchParams({ token }).toString(),
    });
    expect(revoked.status).toBe(200);
    await eventually(() => !verifier.verify(token).ok);
    expect(verifier.verify(token)).toEqual({ ok: false, reason: "revoked" });
  });

  it("a verifier that connects after the revocation gets it in its snapshot", async () => {
    const { token, clientId, secret } = await accessToken();
    await fetch(`${f.running.url}/oauth/revoke`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString("base64")}`,
      },
      body: new URLSearchParams({ token }).toString(),
    });
    const verifier = await f.verifier();
    expect(verifier.verify(token)).toEqual({ ok: false, reason: "revoked" });
  });
});
