import { createHash, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { accessTokenHash, jwkThumbprint, verifyDpopProof } from "../src/dpop.js";

const NOW = 1_800_000_000;
const URL_ = "https://api.example/orders";

type Alg = "EdDSA" | "ES256" | "RS256" | "PS256";

function keyPair(alg: Alg) {
  if (alg === "EdDSA") return generateKeyPairSync("ed25519");
  if (alg === "ES256") return generateKeyPairSync("ec", { namedCurve: "P-256" });
  return generateKeyPairSync("rsa", { modulusLength: 2048 });
}

function proof(
  alg: Alg,
  keys: { privateKey: KeyObject; publicKey: KeyObject },
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): string {
  const jwk = keys.publicKey.export({ format: "jwk" });
  const h = Buffer.from(JSON.stringify({ typ: "dpop+jwt", alg, jwk, ...header })).toString("base64url");
  const p = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const input = Buffer.from(`${h}.${p}`);
  const signature =
    alg === "EdDSA"
      ? sign(null, input, keys.privateKey)
      : alg === "ES256"
        ? sign("sha256", input, { key: keys.privateKey, dsaEncoding: "ieee-p1363" })
        : alg === "PS256"
          ? sign("sha256", input, { key: keys.privateKey, padding: 6, saltLength: 32 })
          : sign("sha256", input, keys.privateKey);
  return `${h}.${p}.${signature.toString("base64url")}`;
}

const claims = (extra: Record<string, unknown> = {}) => ({
  jti: `j-${Math.random()}`,
  htm: "GET",
  htu: URL_,
  iat: NOW,
  ...extra,
});

describe("verifyDpopProof", () => {
  for (const alg of ["EdDSA", "ES256", "RS256", "PS256"] as const) {
    it(`accepts a valid ${alg} proof and returns the RFC 7638 thumbprint`, () => {
      const keys = keyPair(alg);
      const result = verifyDpopProof({ proof: proof(alg, keys, claims()), method: "get", url: URL_, now: NOW });
      expect(result).toMatchObject({ ok: true, replayUntil: NOW + 60 });
      const jwk = keys.publicKey.export({ format: "jwk" }) as Record<string, unknown>;
      if (result.ok) expect(result.jkt).toBe(jwkThumbprint(jwk));
    });
  }

  it("computes the RFC 7638 example thumbprint", () => {
    // RFC 7638 section 3.1.
    const jwk = {
      kty: "RSA",
      n: "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
      e: "AQAB",
      alg: "RS256",
      kid: "2011-04-29",
    };
    expect(jwkThumbprint(jwk)).toBe("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  });

  it("checks ath and the bound key for resource servers", () => {
    const keys = keyPair("ES256");
    const other = keyPair("ES256");
    const accessToken = "eyJ.example.token";
    const ath = createHash("sha256").update(accessToken).digest("base64url");
    expect(accessTokenHash(accessToken)).toBe(ath);
    const good = proof("ES256", keys, claims({ ath }));
    const jkt = jwkThumbprint(keys.publicKey.export({ format: "jwk" }) as Record<string, unknown>) as string;
    const base = { method: "GET", url: URL_, now: NOW, accessToken, jkt };
    expect(verifyDpopProof({ ...base, proof: good }).ok).toBe(true);
    expect(verifyDpopProof({ ...base, proof: good, accessToken: "another" })).toEqual({
      ok: false,
      reason: "wrong_access_token",
    });
    expect(verifyDpopProof({ ...base, proof: proof("ES256", keys, claims()) })).toEqual({
      ok: false,
      reason: "wrong_access_token",
    });
    expect(verifyDpopProof({ ...base, proof: proof("ES256", other, claims({ ath })) })).toEqual({
      ok: false,
      reason: "wrong_key",
    });
  });

  it("refuses wrong methods, URLs, stale or future proofs and missing nonces", () => {
    const keys = keyPair("EdDSA");
    const check = (c: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      verifyDpopProof({ proof: proof("EdDSA", keys, claims(c)), method: "GET", url: URL_, now: NOW, ...extra });
    expect(check({ htm: "POST" })).toEqual({ ok: false, reason: "wrong_method" });
    expect(check({ htu: "https://api.example/other" })).toEqual({ ok: false, reason: "wrong_url" });
    expect(check({ htu: "https://evil.example/orders" })).toEqual({ ok: false, reason: "wrong_url" });
    expect(check({ htu: `${URL_}?page=2` }).ok).toBe(true);
    expect(check({ iat: NOW - 61 })).toEqual({ ok: false, reason: "stale" });
    expect(check({ iat: NOW + 61 })).toEqual({ ok: false, reason: "stale" });
    expect(check({ iat: NOW - 100 }, { maxAgeSeconds: 120 }).ok).toBe(true);
    const nonce = (n: string | undefined) => n === "n-1";
    expect(check({}, { nonce })).toEqual({ ok: false, reason: "nonce_required" });
    expect(check({ nonce: "n-0" }, { nonce })).toEqual({ ok: false, reason: "wrong_nonce" });
    expect(check({ nonce: "n-1" }, { nonce }).ok).toBe(true);
  });

  it("refuses forged, unsigned, symmetric and malformed proofs without throwing", () => {
    const keys = keyPair("EdDSA");
    const other = keyPair("EdDSA");
    const good = proof("EdDSA", keys, claims());
    const [h, p] = good.split(".") as [string, string, string];
    const forged = `${h}.${p}.${proof("EdDSA", other, claims()).split(".")[2]}`;
    const base = { method: "GET", url: URL_, now: NOW };
    expect(verifyDpopProof({ ...base, proof: forged })).toEqual({ ok: false, reason: "bad_signature" });
    const none = Buffer.from(JSON.stringify({ typ: "dpop+jwt", alg: "none", jwk: {} })).toString("base64url");
    expect(verifyDpopProof({ ...base, proof: `${none}.${p}.` }).ok).toBe(false);
    const hs = Buffer.from(JSON.stringify({ typ: "dpop+jwt", alg: "HS256", jwk: { kty: "oct", k: "AA" } })).toString(
      "base64url",
    );
    expect(verifyDpopProof({ ...base, proof: `${hs}.${p}.AAAA` })).toEqual({
      ok: false,
      reason: "unsupported_algorithm",
    });
    const privateJwk = keys.privateKey.export({ format: "jwk" });
    const leaky = proof("EdDSA", keys, claims(), { jwk: privateJwk });
    expect(verifyDpopProof({ ...base, proof: leaky })).toEqual({ ok: false, reason: "malformed" });
    const wrongTyp = proof("EdDSA", keys, claims(), { typ: "JWT" });
    expect(verifyDpopProof({ ...base, proof: wrongTyp })).toEqual({ ok: false, reason: "malformed" });
    for (const garbage of [undefined, 42, "", "a.b", "a.b.c", "x".repeat(10_000), `${h}.${p}.!!`, "..", {}]) {
      expect(verifyDpopProof({ ...base, proof: garbage }).ok).toBe(false);
    }
    expect(verifyDpopProof({ ...base, proof: proof("EdDSA", keys, { htm: "GET", htu: URL_, iat: NOW }) })).toEqual({
      ok: false,
      reason: "malformed",
    });
  });

  it("refuses RSA keys shorter than 2048 bits", () => {
    const weak = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const result = verifyDpopProof({ proof: proof("RS256", weak, claims()), method: "GET", url: URL_, now: NOW });
    expect(result).toEqual({ ok: false, reason: "malformed" });
  });
});
