/**
 * Ed25519 compact JWS signing on libuv's thread pool. jose signs through WebCrypto, which runs
 * Ed25519 on the event loop: 13% of the authority's time under a load of grants, time in which
 * no other request is parsed. node:crypto's `sign` with a callback runs the same signature on
 * the thread pool. The serialization is RFC 7515's compact form (base64url header, payload and
 * signature joined by dots); tokens are verified with jose everywhere, interop tests included.
 */
import { type KeyObject, sign } from "node:crypto";

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** `header` and `payload` as a compact JWS signed with the Ed25519 `privateKey` (alg EdDSA). */
export function signCompactEdDSA(
  header: Record<string, unknown>,
  payload: object,
  privateKey: KeyObject,
): Promise<string> {
  const signingInput = `${base64url({ ...header, alg: "EdDSA" })}.${base64url(payload)}`;
  return new Promise((resolve, reject) => {
    sign(null, Buffer.from(signingInput), privateKey, (error, signature) => {
      if (error) reject(error);
      else resolve(`${signingInput}.${signature.toString("base64url")}`);
    });
  });
}
