/**
 * Security Event Tokens (RFC 8417) as SSF 1.0 profiles them: `typ: secevent+jwt`, the subject in
 * `sub_id` (RFC 9493), one event in `events`, no `exp` and no `sub`. Signed with EdDSA by the
 * authority's current OAuth signing key, or with RS256 by the SSF RSA key for streams that ask;
 * the SSF `jwks_uri` publishes both.
 */
import { type KeyObject, randomBytes, type webcrypto } from "node:crypto";
import { SignJWT } from "jose";
import type { Subject } from "./mapping.js";

export type SigningAlg = "EdDSA" | "RS256";

export interface SetSigner {
  alg: SigningAlg;
  kid: string;
  privateKey: webcrypto.CryptoKey | KeyObject;
}

/** The signer for a stream's algorithm (fetched before a transaction: SQLite has one connection). */
export type SignerFor = (alg: string) => Promise<SetSigner>;

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
    .setProtectedHeader({ alg: signer.alg, typ: "secevent+jwt", kid: signer.kid })
    .setIssuer(input.issuer)
    .setAudience(input.audience.length === 1 ? (input.audience[0] as string) : input.audience)
    .sign(signer.privateKey);
  return { jti, jwt };
}
