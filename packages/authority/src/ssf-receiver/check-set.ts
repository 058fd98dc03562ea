/**
 * Checks a pushed SET before anything acts on it: a trusted issuer, a signature by one of that
 * transmitter's keys, `typ: secevent+jwt`, our audience, an `iat` neither stale nor from the
 * future, and a `jti` not seen before. Failures carry RFC 8935's error codes.
 */
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, type JWTPayload, jwtVerify } from "jose";
import type { SsfTransmittersTable } from "../db/schema-ssf.js";

/** SETs older than this are refused (and their jtis need not be kept longer). */
export const MAX_SET_AGE_MS = 24 * 3_600_000;
const FUTURE_SKEW_MS = 5 * 60_000;

export class SetRefused extends Error {
  override readonly name = "SetRefused";
  constructor(
    readonly err: "invalid_request" | "invalid_key" | "invalid_issuer" | "invalid_audience" | "authentication_failed",
    readonly description: string,
  ) {
    super(description);
  }
}

export type CheckedSet = JWTPayload & { jti: string; iss: string; events: Record<string, Record<string, unknown>> };

const remoteSets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

function keysOf(transmitter: SsfTransmittersTable) {
  if (transmitter.jwks) return createLocalJWKSet(JSON.parse(transmitter.jwks));
  const url = transmitter.jwks_uri as string;
  let set = remoteSets.get(url);
  if (!set) {
    set = createRemoteJWKSet(new URL(url), { timeoutDuration: 5000, cooldownDuration: 30_000 });
    remoteSets.set(url, set);
  }
  return set;
}

/** The issuer a SET claims, read before its signature is checked (to find whose keys check it). */
export function claimedIssuer(jwt: string): string {
  try {
    const iss = decodeJwt(jwt).iss;
    if (typeof iss === "string") return iss;
  } catch {
    throw new SetRefused("invalid_request", "the body is not a JWT");
  }
  throw new SetRefused("invalid_issuer", "the SET has no iss claim");
}

export async function checkSet(jwt: string, transmitter: SsfTransmittersTable, now: number): Promise<CheckedSet> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(jwt, keysOf(transmitter), { issuer: transmitter.issuer, typ: "secevent+jwt" }));
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    if (code === "ERR_JWT_CLAIM_VALIDATION_FAILED") throw new SetRefused("invalid_request", (error as Error).message);
    throw new SetRefused(
      "invalid_key",
      `the signature does not verify with the transmitter's keys (${code || "error"})`,
    );
  }
  const audiences = [payload.aud ?? []].flat();
  if (!audiences.includes(transmitter.audience)) {
    throw new SetRefused("invalid_audience", `the SET is not addressed to ${transmitter.audience}`);
  }
  if (typeof payload.jti !== "string" || payload.jti.length === 0 || payload.jti.length > 256) {
    throw new SetRefused("invalid_request", "the SET has no jti");
  }
  if (typeof payload.iat !== "number") throw new SetRefused("invalid_request", "the SET has no iat");
  const iatMs = payload.iat * 1000;
  if (iatMs < now - MAX_SET_AGE_MS || iatMs > now + FUTURE_SKEW_MS) {
    throw new SetRefused("invalid_request", "the SET's iat is too old or in the future");
  }
  if (typeof payload.events !== "object" || payload.events === null || Object.keys(payload.events).length === 0) {
    throw new SetRefused("invalid_request", "the SET carries no event");
  }
  return payload as CheckedSet;
}
