/**
 * The verifier's in-memory replica: API keys by token hash (and an id index for revocations),
 * the revocation state of access tokens, and the authority's public signing keys. Changes are
 * applied strictly in sequence order by the feed client; the replica itself does no I/O.
 * @module
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import type { VerifiedCredential } from "./types.js";

/**
 * A key as the replica holds it, which is also the (shared, frozen) success result of every
 * verification of that key: one object per key keeps a million keys small and verification
 * allocation-free.
 */
export interface KeyEntry extends VerifiedCredential {
  kind: "api_key";
  audience: string | null;
  expiresAt: number | null;
}

export interface SigningKeyEntry {
  kid: string;
  key: KeyObject;
  /** JWS algorithms this key may sign with. */
  algs: ReadonlySet<string>;
  notBefore: number;
  retired: boolean;
  emergency: boolean;
}

/** A key record as the feed sends it in change events. */
export interface KeyRecordWire {
  id: string;
  hash: string;
  principalId: string;
  scopes: string[];
  audience: string | null;
  expiresAt: number | null;
  deprecated: boolean;
}

/** A snapshot's `keys` chunk: principals and scope lists named once, rows pointing at them. */
export interface KeyChunkWire {
  p: string[];
  s: string[][];
  /** `[id, hash, principal index, scopes index, audience, expiresAt, deprecated 0|1]` */
  r: Array<[string, string, number, number, string | null, number | null, 0 | 1]>;
}

export interface SigningKeyWire {
  kid: string;
  jwk: Record<string, unknown>;
  notBefore: number;
  retired?: boolean;
  emergency?: boolean;
}

export interface OAuthStateWire {
  signingKeys: SigningKeyWire[];
  revokedJtis: Array<{ jti: string; exp: number }>;
  revokedFamilies: Array<{ familyId: string; exp: number }>;
  principalCutoffs: Array<{ principalId: string; before: number }>;
}

/** Thrown for an event the replica cannot apply: the feed client re-syncs from a snapshot. */
export class MalformedChangeError extends Error {
  override readonly name = "MalformedChangeError";
}

function fail(message: string): never {
  throw new MalformedChangeError(message);
}

const isString = (v: unknown): v is string => typeof v === "string";
const isTime = (v: unknown): v is number | null => v === null || (typeof v === "number" && Number.isFinite(v));

function algsFor(jwk: Record<string, unknown>): Set<string> {
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") return new Set(["EdDSA", "Ed25519"]);
  if (jwk.kty === "EC" && jwk.crv === "P-256") return new Set(["ES256"]);
  if (jwk.kty === "EC" && jwk.crv === "P-384") return new Set(["ES384"]);
  if (jwk.kty === "RSA") return new Set(isString(jwk.alg) ? [jwk.alg] : ["RS256", "PS256"]);
  return new Set();
}

export class Replica {
  /** token hash -> key */
  readonly keys = new Map<string, KeyEntry>();
  /** key id -> token hash */
  readonly hashById = new Map<string, string>();
  /** token hash of keys revoked while connected -> revocation time, so they report `revoked`, not `unknown`. */
  readonly revokedHashes = new Map<string, number>();
  readonly signingKeys = new Map<string, SigningKeyEntry>();
  /** jti -> exp (epoch s) */
  readonly revokedJtis = new Map<string, number>();
  /** grant family id -> exp (epoch s) */
  readonly revokedFamilies = new Map<string, number>();
  /** principal id -> cutoff (epoch s): its tokens issued before are revoked */
  readonly principalCutoffs = new Map<string, number>();
  private readonly scopeLists = new Map<string, readonly string[]>();
  private readonly principalIds = new Map<string, string>();
  private readonly maxRevokedHashes: number;

  constructor(options: { maxRevokedHashes?: number } = {}) {
    this.maxRevokedHashes = options.maxRevokedHashes ?? 1_000_000;
  }

  /** Shares one frozen array between every key with the same scopes (memory: 1M keys, a few lists). */
  private scopes(list: unknown): readonly string[] {
    if (!Array.isArray(list) || !list.every(isString)) fail("scopes must be an array of strings");
    const id = list.join(" ");
    let shared = this.scopeLists.get(id);
    if (!shared) {
      shared = Object.freeze([...list]);
      this.scopeLists.set(id, shared);
    }
    return shared;
  }

  /** One string per principal id, however many keys it holds. */
  private principal(id: string): string {
    const shared = this.principalIds.get(id);
    if (shared !== undefined) return shared;
    this.principalIds.set(id, id);
    return id;
  }

  private putKey(
    id: unknown,
    hash: unknown,
    principalId: unknown,
    scopes: readonly string[],
    audience: unknown,
    expiresAt: unknown,
    deprecated: boolean,
  ): void {
    if (!isString(id) || !isString(hash) || !isString(principalId)) fail("key record: id, hash, principalId");
    if (!(audience === null || isString(audience)) || !isTime(expiresAt)) fail("key record: audience, expiresAt");
    const entry: KeyEntry = deprecated
      ? {
          ok: true,
          principalId: this.principal(principalId),
          scopes,
          keyId: id,
          kind: "api_key",
          deprecated: true,
          audience,
          expiresAt,
        }
      : { ok: true, principalId: this.principal(principalId), scopes, keyId: id, kind: "api_key", audience, expiresAt };
    Object.freeze(entry);
    const previousHash = this.hashById.get(id);
    if (previousHash !== undefined && previousHash !== hash) this.keys.delete(previousHash);
    this.keys.set(hash, entry);
    this.hashById.set(id, hash);
    if (this.revokedHashes.size > 0) this.revokedHashes.delete(hash);
  }

  /** Adds a snapshot chunk. */
  addRows(chunk: unknown): void {
    const c = chunk as KeyChunkWire;
    if (typeof c !== "object" || c === null || !Array.isArray(c.p) || !Array.isArray(c.s) || !Array.isArray(c.r)) {
      fail("keys chunk must be { p, s, r }");
    }
    const scopeLists = c.s.map((list) => this.scopes(list));
    for (const row of c.r) {
      if (!Array.isArray(row) || row.length < 7) fail("key row must have 7 fields");
      const scopes = scopeLists[row[3]];
      if (scopes === undefined) fail("key row names an unknown scope list");
      this.putKey(row[0], row[1], c.p[row[2]], scopes, row[4], row[5], row[6] === 1);
    }
  }

  addKey(record: unknown): void {
    if (typeof record !== "object" || record === null) fail("key record must be an object");
    const r = record as KeyRecordWire;
    this.putKey(r.id, r.hash, r.principalId, this.scopes(r.scopes), r.audience, r.expiresAt, r.deprecated === true);
  }

  revokeKeys(ids: unknown, at: number): void {
    if (!Array.isArray(ids)) fail("ids must be an array");
    for (const id of ids) {
      if (!isString(id)) fail("ids must be strings");
      const hash = this.hashById.get(id);
      if (hash === undefined) continue;
      this.hashById.delete(id);
      this.keys.delete(hash);
      if (this.revokedHashes.size >= this.maxRevokedHashes) {
        const oldest = this.revokedHashes.keys().next().value;
        if (oldest !== undefined) this.revokedHashes.delete(oldest);
      }
      this.revokedHashes.set(hash, at);
    }
  }

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

  /**
   * Applies one change event (see docs/events.md). Unknown event types are ignored (a newer
   * authority may add some); known ones with a wrong shape throw MalformedChangeError.
   */
  apply(type: string, data: unknown, at: number): void {
    if (typeof data !== "object" || data === null) fail("change data must be an object");
    const d = data as Record<string, unknown>;
    switch (type) {
      case "key.issued":
      case "key.updated":
      case "key.deprecated":
        // A new record replaces the old one: narrowed scopes, a shorter expiry, deprecation.
        this.addKey(d.key);
        return;
      case "key.revoked":
        this.revokeKeys(d.ids, at);
        return;
      case "key.rotated":
        this.addKey(d.previous);
        this.addKey(d.replacement);
        return;
      case "key.rotation_rolled_back":
        this.revokeKeys(d.revokedIds, at);
        this.addKey(d.restored);
        return;
      case "principal.disabled":
        this.revokeKeys(d.revokedKeyIds, at);
        return;
      case "signing_key.published":
        this.publishSigningKey(d);
        return;
      case "signing_key.retired":
        this.retireSigningKey(d.kid, d.emergency === true);
        return;
      case "access_token.revoked":
        this.revokeJti(d.jti, d.exp);
        return;
      case "grant_family.revoked":
        this.revokeFamily(d.familyId, d.exp);
        return;
      case "principal.cutoff":
        this.cutoff(d.principalId, d.before);
        return;
      default:
        return;
    }
  }

  /** Forgets revocations of tokens that have expired anyway (epoch s). */
  prune(nowSeconds: number): void {
    for (const [jti, exp] of this.revokedJtis) if (exp < nowSeconds) this.revokedJtis.delete(jti);
    for (const [id, exp] of this.revokedFamilies) if (exp < nowSeconds) this.revokedFamilies.delete(id);
  }
}
