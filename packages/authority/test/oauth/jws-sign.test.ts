/**
 * Access tokens are signed by node:crypto on the thread pool (src/oauth/jws-sign.ts): what it
 * makes must be an RFC 7515 compact JWS that an independent implementation (jose) verifies.
 */
import { generateKeyPairSync } from "node:crypto";
import { compactVerify, decodeProtectedHeader, jwtVerify } from "jose";
import { expect, it } from "vitest";
import { signCompactEdDSA } from "../../src/oauth/jws-sign.js";

it("signs a compact JWS that jose verifies, with the header and payload given", async () => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const payload = { sub: "prn_1", scope: "orders:read", iat: 1, exp: 4_000_000_000, note: "é ✓" };
  const token = await signCompactEdDSA({ typ: "at+jwt", kid: "k1" }, payload, privateKey);
  expect(decodeProtectedHeader(token)).toEqual({ typ: "at+jwt", kid: "k1", alg: "EdDSA" });
  const verified = await jwtVerify(token, publicKey, { algorithms: ["EdDSA"], typ: "at+jwt" });
  expect(verified.payload).toEqual(payload);
});

it("makes a signature that fails under another key or with a changed payload", async () => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const other = generateKeyPairSync("ed25519");
  const token = await signCompactEdDSA({ kid: "k1" }, { a: 1 }, privateKey);
  await expect(compactVerify(token, publicKey)).resolves.toBeDefined();
  await expect(compactVerify(token, other.publicKey)).rejects.toThrow();
  const [header, , signature] = token.split(".");
  const forged = `${header}.${Buffer.from('{"a":2}').toString("base64url")}.${signature}`;
  await expect(compactVerify(forged, publicKey)).rejects.toThrow();
});
