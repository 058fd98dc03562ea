import { generateKeyPairSync, type KeyObject, randomUUID, sign } from "node:crypto";
import { jwkThumbprint } from "@tessera/verifier";
import { afterEach, expect, it } from "vitest";
import { createAuthority } from "../../src/authority.js";
import { buildApp } from "../../src/http/app.js";
import { describeEachStore } from "../stores.js";
import { createOAuthHarness, type OAuthHarness } from "./helpers.js";

const TOKEN_URL = "http://tessera.test/oauth/token";

function es256Key() {
  return generateKeyPairSync("ec", { namedCurve: "P-256" });
}

function dpopProof(keys: { privateKey: KeyObject; publicKey: KeyObject }, claims: Record<string, unknown>): string {
  const jwk = keys.publicKey.export({ format: "jwk" });
  const header = Buffer.from(JSON.stringify({ typ: "dpop+jwt", alg: "ES256", jwk })).toString("base64url");
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const signature = sign("sha256", Buffer.from(`${header}.${payload}`), {
    key: keys.privateKey,
    dsaEncoding: "ieee-p1363",
  });
  return `${header}.${payload}.${signature.toString("base64url")}`;
}

describeEachStore("DPoP at the token endpoint", (kind) => {
  let h: OAuthHarness;
  afterEach(async () => {
    await h.close();
  });

  const nowS = () => Math.floor(h.clock.now() / 1000);
  const proofFor = (keys: ReturnType<typeof es256Key>, extra: Record<string, unknown> = {}) =>
    dpopProof(keys, { jti: randomUUID(), htm: "POST", htu: TOKEN_URL, iat: nowS(), ...extra });

  it("binds access and refresh tokens to the proof key (cnf.jkt, token_type DPoP)", async () => {
    h = await createOAuthHarness(kind);
    const c = await h.client({ oauth: { refreshTokens: true } });
    const keys = es256Key();
    const jkt = jwkThumbprint(keys.publicKey.export({ format: "jwk" }) as Record<string, unknown>);
    const res = await h.form(
      "/oauth/token",
      { grant_type: "client_credentials" },
      { ...h.basic(c.id, c.secret), dpop: proofFor(keys) },
    );
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.token_type).toBe("DPoP");
    const claims = JSON.parse(Buffer.from(body.access_token.split(".")[1], "base64url").toString());
    expect(claims.cnf).toEqual({ jkt });
    expect((await h.authority.introspect(body.access_token)).response).toMatchObject({
      token_type: "DPoP",
      cnf: { jkt },
    });

    // Refreshing a bound family needs a proof by the same key.
    const refresh = (dpop?: string) =>
      h.form(
        "/oauth/token",
        { grant_type: "refresh_token", refresh_token: body.refresh_token },
        { ...h.basic(c.id, c.secret), ...(dpop ? { dpop } : {}) },
      );
    expect((await refresh()).json().error).toBe("invalid_dpop_proof");
    expect((await refresh(proofFor(es256Key()))).json().error).toBe("invalid_dpop_proof");
    const ok = await refresh(proofFor(keys));
    expect(ok.statusCode).toBe(200);
    expect(ok.json().token_type).toBe("DPoP");
  });

  it("refuses replayed, expired, future, foreign-URL and wrong-method proofs, issuing nothing", async () => {
    h = await createOAuthHarness(kind);
    const c = await h.client();
    const keys = es256Key();
    const proof = proofFor(keys);
    const send = (dpop: string) =>
      h.form("/oauth/token", { grant_type: "client_credentials" }, { ...h.basic(c.id, c.secret), dpop });
    expect((await send(proof)).statusCode).toBe(200);
    const before = await h.count("oauth_grant_families");
    const bad = [
      proof, // replay
      proofFor(keys, { iat: nowS() - 120 }),
      proofFor(keys, { iat: nowS() + 120 }),
      proofFor(keys, { htu: "http://evil.test/oauth/token" }),
      proofFor(keys, { htu: "http://tessera.test/oauth/revoke" }),
      proofFor(keys, { htm: "GET" }),
      "garbage",
      `${proof.slice(0, -4)}AAAA`,
    ];
    for (const dpop of bad) {
      const res = await send(dpop);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe("invalid_dpop_proof");
    }
    const twice = await h.form(
      "/oauth/token",
      { grant_type: "client_credentials" },
      { ...h.basic(c.id, c.secret), dpop: `${proofFor(keys)}, ${proofFor(keys)}` },
    );
    expect(twice.json().error).toBe("invalid_request");
    expect(await h.count("oauth_grant_families")).toBe(before);
  });

  it("a replay is refused by another authority instance on the same database", async () => {
    h = await createOAuthHarness(kind);
    const c = await h.client();
    const keys = es256Key();
    const proof = proofFor(keys);
    const second = await createAuthority({ config: h.authority.config, clock: h.clock });
    const { app } = await buildApp(second, { logger: false });
    try {
      const first = await h.form(
        "/oauth/token",
        { grant_type: "client_credentials" },
        { ...h.basic(c.id, c.secret), dpop: proof },
      );
      expect(first.statusCode).toBe(200);
      const replay = await app.inject({
        method: "POST",
        url: "/oauth/token",
        headers: { "content-type": "application/x-www-form-urlencoded", ...h.basic(c.id, c.secret), dpop: proof },
        payload: "grant_type=client_credentials",
      });
      expect(replay.json().error).toBe("invalid_dpop_proof");
    } finally {
      await app.close();
      await second.close();
    }
  });

  it("a requireDpop client must send a proof", async () => {
    h = await createOAuthHarness(kind);
    const c = await h.client({ oauth: { requireDpop: true } });
    const res = await h.form("/oauth/token", { grant_type: "client_credentials" }, h.basic(c.id, c.secret));
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe("invalid_request");
    expect(await h.count("oauth_grant_families")).toBe(0);
  });

  it("with server nonces required: use_dpop_nonce and a DPoP-Nonce header, then success with the nonce", async () => {
    h = await createOAuthHarness(kind, { dpopNonceRequired: true });
    const c = await h.client();
    const keys = es256Key();
    const first = await h.form(
      "/oauth/token",
      { grant_type: "client_credentials" },
      { ...h.basic(c.id, c.secret), dpop: proofFor(keys) },
    );
    expect(first.statusCode).toBe(400);
    expect(first.json().error).toBe("use_dpop_nonce");
    const nonce = first.headers["dpop-nonce"] as string;
    expect(nonce).toEqual(expect.any(String));
    const wrong = await h.form(
      "/oauth/token",
      { grant_type: "client_credentials" },
      { ...h.basic(c.id, c.secret), dpop: proofFor(keys, { nonce: "made-up" }) },
    );
    expect(wrong.json().error).toBe("use_dpop_nonce");
    const ok = await h.form(
      "/oauth/token",
      { grant_type: "client_credentials" },
      { ...h.basic(c.id, c.secret), dpop: proofFor(keys, { nonce }) },
    );
    expect(ok.statusCode).toBe(200);
    expect(ok.json().token_type).toBe("DPoP");
    // Nonces expire: two windows later the old one is refused.
    h.clock.advance(11 * 60_000);
    const stale = await h.form(
      "/oauth/token",
      { grant_type: "client_credentials" },
      { ...h.basic(c.id, c.secret), dpop: proofFor(keys, { nonce }) },
    );
    expect(stale.json().error).toBe("use_dpop_nonce");
  });
});
