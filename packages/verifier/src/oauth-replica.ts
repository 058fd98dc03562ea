/**
 * The replica's OAuth part: the authority's public signing keys and the revocation state of
 * access tokens (revoked `jti`s, revoked grant families, per-principal cut-offs), which jwt.ts
 * reads on every access-token verification.
 * @module
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { fail, isString } from "./replica-checks.js";
import type { OAuthStateWire, SigningKeyWire } from "./wire.js";

/** A signing key as the replica holds it: a KeyObject ready to verify with, and what it may sign. */
export interface SigningKeyEntry {
  kid: string;
  key: KeyObject;
  /** JWS algorithms this key may sign with. */
  algs: ReadonlySet<string>;
  notBefore: number;
  retired: boolean;
  emergency: boolean;
}

function algsFor(jwk: Record<string, unknown>): Set<string> {
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") return new Set(["EdDSA", "Ed25519"]);
  if (jwk.kty === "EC" && jwk.crv === "P-256") return new Set(["ES256"]);
  if (jwk.kty === "EC" && jwk.crv === "P-384") return new Set(["ES384"]);
  if (jwk.kty === "RSA") return new Set(isString(jwk.alg) ? [jwk.alg] : ["RS256", "PS256"]);
  return new Set();
}

export class OAuthReplica {
  readonly signingKeys = new Map<string, SigningKeyEntry>();
  /** jti -> exp (epoch s) */
  readonly revokedJtis = new Map<string, number>();
  /** grant family id -> exp (epoch s) */
  readonly revokedFamilies = new Map<string, number>();
  /** principal id -> cutoff (epoch s): its tokens issued before are revoked */
  readonly principalCutoffs = new Map<string, number>();

  setOAuthState(state: unknown): void {
    if (typeof state !== "object" || state === null) fail("oauth state must be an object");
    const s = state as Partial<OAuthStateWire>;
    for (const key of s.signingKeys ?? []) this.publishSigningKey(key);
    for (const key of s.signingKeys ?? []) {
      if (key.retired) this.retireSigningKey(key.kid, key.emergency === true);
    }
    for (const r of s.revokedJtis ?? []) this.revokeJti(r.jti, r.exp);
    for (const r of s.revokedFamilies ?? []) this.revokeFamily(r.familyId, r.exp);
    for (const c of s.principalCutoffs ?? []) this.cutoff(c.principalId, c.before);
  }

  publishSigningKey(wire: unknown): void {
    const k = wire as SigningKeyWire;
    if (typeof k !== "object" || k === null || !isString(k.kid) || typeof k.jwk !== "object" || k.jwk === null) {
      fail("signing key needs kid and jwk");
    }
    if ("d" in k.jwk) fail("a signing key in the feed must be public");
    let key: KeyObject;
    try {
      key = createPublicKey({ key: k.jwk as never, format: "jwk" });
    } catch {
      fail(`signing key ${k.kid} is not a usable public JWK`);
    }
    this.signingKeys.set(k.kid, {
      kid: k.kid,
      key,
      algs: algsFor(k.jwk),
      notBefore: typeof k.notBefore === "number" ? k.notBefore : 0,
      retired: false,
      emergency: false,
    });
  }

  retireSigningKey(kid: unknown, emergency: boolean): void {
    if (!isString(kid)) fail("kid must be a string");
    const entry = this.signingKeys.get(kid);
    if (!entry) return;
    entry.retired = true;
    entry.emergency = entry.emergency || emergency;
  }

  revokeJti(jti: unknown, exp: unknown): void {
    if (!isString(jti) || typeof exp !== "number") fail("access_token.revoked needs jti and exp");
    this.revokedJtis.set(jti, exp);
  }

  revokeFamily(familyId: unknown, exp: unknown): void {
    if (!isString(familyId) || typeof exp !== "number") fail("grant_family.revoked needs familyId and exp");
    this.revokedFamilies.set(familyId, Math.max(exp, this.revokedFamilies.get(familyId) ?? 0));
  }

  cutoff(principalId: unknown, before: unknown): void {
    if (!isString(principalId) || typeof before !== "number") fail("principal.cutoff needs principalId and before");
    this.principalCutoffs.set(principalId, Math.max(before, this.principalCutoffs.get(principalId) ?? 0));
  }

  /** Forgets revocations of tokens that have expired anyway (epoch s). */
  prune(nowSeconds: number): void {
    for (const [jti, exp] of this.revokedJtis) if (exp < nowSeconds) this.revokedJtis.delete(jti);
    for (const [id, exp] of this.revokedFamilies) if (exp < nowSeconds) this.revokedFamilies.delete(id);
  }
}
