/**
 * Security Event Tokens (RFC 8417) as SSF 1.0 profiles them: `typ: secevent+jwt`, the subject in
 * `sub_id` (RFC 9493), one event in `events`, no `exp` and no `sub`. Signed with the authority's
 * current signing key, which `jwks_uri` (/.well-known/jwks.json) publishes.
 */
import { randomBytes, type webcrypto } from "node:crypto";
import { SignJWT } from "jose";
import type { Subject } from "./mapping.js";

export interface SetSigner {
  kid: string;
  privateKey: webcrypto.CryptoKey;
}

export interface SetInput {
  issuer: string;
  audience: string[];
  type: string;
  subject: Subject;
  payload: Record<string, unknown>;
  /** The change-log sequence the event came from: receivers can tell events of one change apart. */
  txn: string | null;
  now: number;
}

export function newJti(): string {
  return randomBytes(16).toString("base64url");
}

export async function signSet(
  input: SetInput,
  signer: SetSigner,
  jti = newJti(),
): Promise<{ jti: string; jwt: string }> {
  const claims: Record<string, unknown> = {
    jti,
    iat: Math.floor(input.now / 1000),
    sub_id: input.subject,
    events: { [input.type]: input.payload },
    ...(input.txn ? { txn: input.txn } : {}),
  };
  const jwt = await new SignJWT(claims)
    .setProtectedHeader({ alg: "EdDSA", typ: "secevent+jwt", kid: signer.kid })
    .setIssuer(input.issuer)
    .setAudience(input.audience.length === 1 ? (input.audience[0] as string) : input.audience)
    .sign(signer.privateKey);
  return { jti, jwt };
}
