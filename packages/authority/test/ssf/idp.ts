/** Test helper: an identity provider that signs SETs with its own key and publishes its JWKS on loopback. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

export interface TestIdp {
  issuer: string;
  jwksUri: string;
  publicJwk: JWK;
  sign(
    claims: Record<string, unknown>,
    options?: { typ?: string; iat?: number; issuer?: string; audience?: string },
  ): Promise<string>;
  close(): Promise<void>;
}

export async function startIdp(
  alg: "EdDSA" | "RS256" = "EdDSA",
  audience = "https://tessera.example",
): Promise<TestIdp> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid: `idp-${alg}`, alg, use: "sig" };
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = "https://idp.example";
  return {
    issuer,
    jwksUri: `${base}/jwks.json`,
    publicJwk,
    async sign(claims, options = {}) {
      return new SignJWT({ jti: crypto.randomUUID(), ...claims })
        .setProtectedHeader({ alg, typ: options.typ ?? "secevent+jwt", kid: publicJwk.kid })
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? audience)
        .setIssuedAt(options.iat ?? Math.floor(Date.now() / 1000))
        .sign(privateKey);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
