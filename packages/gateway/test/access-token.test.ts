/**
 * JWT access tokens through forward-auth, against a real authority's token endpoint: a bearer
 * token answers with `X-Tessera-Token-Id`; a DPoP-bound one (RFC 9449) passes only with a proof
 * for the original request as the client addressed it (scheme and host from a trusted proxy).
 */
import { generateKeyPairSync, type KeyObject, randomUUID, sign } from "node:crypto";
import { accessTokenHash } from "@tessera/verifier/dpop";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway, type RunningGateway } from "../src/index.js";
import { startTestAuthority, type TestAuthority } from "./authority.js";

let authority: TestAuthority;
let gateway: RunningGateway;
let client: { id: string; secret: string };
const keys = generateKeyPairSync("ec", { namedCurve: "P-256" });

beforeAll(async () => {
  authority = await startTestAuthority();
  gateway = await createGateway({ url: authority.url, credential: authority.adminKey, trustProxy: ["loopback"] });
  await gateway.verifier.ready(20_000);
  client = await authority.oauthClient(["orders:read"]);
});
afterAll(async () => {
  await gateway?.close();
  await authority?.close();
});

function proof(pair: { privateKey: KeyObject; publicKey: KeyObject }, claims: Record<string, unknown>): string {
  const jwk = pair.publicKey.export({ format: "jwk" });
  const header = Buffer.from(JSON.stringify({ typ: "dpop+jwt", alg: "ES256", jwk })).toString("base64url");
  const payload = Buffer.from(
    JSON.stringify({ jti: randomUUID(), iat: Math.floor(Date.now() / 1000), ...claims }),
  ).toString("base64url");
  const signature = sign("sha256", Buffer.from(`${header}.${payload}`), {
    key: pair.privateKey,
    dsaEncoding: "ieee-p1363",
  });
  return `${header}.${payload}.${signature.toString("base64url")}`;
}

async function token(dpop?: string): Promise<{ access_token: string; token_type: string }> {
  const response = await fetch(`${authority.url}/oauth/token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString("base64")}`,
      ...(dpop ? { dpop } : {}),
    },
    body: new URLSearchParams({ grant_type: "client_credentials", scope: "orders:read" }).toString(),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { access_token: string; token_type: string };
}

const ORIGINAL = {
  "x-original-method": "GET",
  "x-original-uri": "/orders/1?page=2",
  "x-forwarded-proto": "https",
  "x-forwarded-host": "api.example",
};

describe("access tokens through /auth", () => {
  it("answers with X-Tessera-Token-Id and the OAuth client for a bearer access token", async () => {
    const { access_token } = await token();
    const jti = JSON.parse(Buffer.from(access_token.split(".")[1] as string, "base64url").toString()).jti;
    const response = await fetch(`${gateway.url}/auth?scope=orders:read`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-tessera-token-id")).toBe(jti);
    expect(response.headers.get("x-tessera-key-id")).toBeNull();
    expect(response.headers.get("x-tessera-principal")).toBe(client.id);
    expect(response.headers.get("x-tessera-client-id")).toBe(client.id);
  });

  it("requires a DPoP proof for the original request for a sender-constrained token, once", async () => {
    // The authority checks `htu` against its issuer (set by the test authority).
    const issued = await token(proof(keys, { htm: "POST", htu: "http://tessera.test/oauth/token" }));
    expect(issued.token_type).toBe("DPoP");
    const ath = accessTokenHash(issued.access_token);
    const ask = (headers: Record<string, string>) =>
      fetch(`${gateway.url}/auth?scope=orders:read`, { headers: { ...ORIGINAL, ...headers } });

    const good = proof(keys, { htm: "GET", htu: "https://api.example/orders/1", ath });
    expect((await ask({ authorization: `DPoP ${issued.access_token}`, dpop: good })).status).toBe(200);
    // Replayed, missing, for another URL, by another key, or sent as a plain bearer token: refused.
    const refusals: Record<string, string>[] = [
      { authorization: `DPoP ${issued.access_token}`, dpop: good },
      { authorization: `DPoP ${issued.access_token}` },
      {
        authorization: `DPoP ${issued.access_token}`,
        dpop: proof(keys, { htm: "GET", htu: "https://evil.example/orders/1", ath }),
      },
      {
        authorization: `DPoP ${issued.access_token}`,
        dpop: proof(generateKeyPairSync("ec", { namedCurve: "P-256" }), {
          htm: "GET",
          htu: "https://api.example/orders/1",
          ath,
        }),
      },
      { authorization: `Bearer ${issued.access_token}` },
    ];
    for (const headers of refusals) {
      const response = await ask(headers);
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('DPoP realm="tessera", error="invalid_dpop_proof"');
    }
  });
});
