/**
 * The verifier's in-memory replica: API keys (a compact table, see key-table.ts), and (from
 * oauth-replica.ts) the revocation state of access tokens and the authority's public signing
 * keys. Large revocations come in compact forms (revocation-forms.ts). Changes are
 * applied strictly in sequence order by the feed client; the replica itself does no I/O.
 * @module
 */
import { hash } from "node:crypto";
import { type KeyFields, KeyTable } from "./key-table.js";
import { OAuthReplica } from "./oauth-replica.js";
import { fail, isString, isTime } from "./replica-checks.js";
import { parseOrdinalBitmap, parseOrdinalDeltas, parseRuns, parseScopeMatch } from "./revocation-forms.js";
import type { VerifiedCredential } from "./types.js";
import {
  HASH_LENGTH,
  type KeyChunkWire,
  type KeyRecordWire,
  type KeyRevokedWire,
  type KeySuspensionWire,
} from "./wire.js";

export type { SigningKeyEntry } from "./oauth-replica.js";
export { MalformedChangeError } from "./replica-checks.js";

/**
 * A key as verification returns it: made (and frozen) the first time the key verifies, then
 * shared by every later verification of it, so verification allocates nothing.
 */
export interface KeyEntry extends VerifiedCredential {
  kind: "api_key";
  audience: string | null;
  expiresAt: number | null;
}

/**
 * What a token found in the replica but refused is: revoked, suspended, or a canary (the key
 * id of the last canary found is `Replica.canaryKeyId`).
 */
export type RefusedKey = "revoked" | "suspended" | "canary";

export class Replica extends OAuthReplica {
  /** The key id of the canary the last lookup answered `"canary"` for (read at once by the caller). */
  canaryKeyId = "";
  /** API keys, and keys revoked while connected (so that they report `revoked`, not `unknown`). */
  private readonly table: KeyTable;
  /** Principal ids and audiences, each held once, named by index in the table. */
  private readonly strings: string[] = [];
  private readonly stringIndex = new Map<string, number>();
  /** Scope lists, each one frozen array shared by every key holding exactly those scopes. */
  private readonly scopeLists: Array<readonly string[]> = [];
  private readonly scopeIndex = new Map<string, number>();
  /** Reused for every put: no allocation per key. */
  private readonly fields: KeyFields = {
    principal: 0,
    scopes: 0,
    audience: -1,
    expiresAt: 0,
    deprecated: false,
    suspended: false,
    canary: false,
    ordinal: 0,
  };

  /** `maxRevoked`: how many revoked keys are remembered as revoked (the oldest are forgotten). */
  constructor(options: { maxRevoked?: number } = {}) {
    super();
    this.table = new KeyTable(options.maxRevoked ?? 1_000_000);
  }

  /** Keys that verify (active or deprecated; expiry is checked at verification). */
  get keyCount(): number {
    return this.table.size;
  }

  /** The key whose token hashes to `hash` (base64url SHA-256), why it is refused, or undefined. */
  lookupKey(hash: string): KeyEntry | RefusedKey | undefined {
    return this.lookupRecord(this.table.find(hash));
  }

  /**
   * The id of the key `token` is, whatever its state (revoked, suspended, expired), or null.
   * Usage reports name the key a refused token was, so that the authority can tell that a
   * revoked key is still being presented. Off the hot path: only refusals ask.
   */
  keyIdOfToken(token: string): string | null {
    const record = this.table.findDigest(hash("sha256", token, "binary"));
    return record < 0 ? null : this.table.keyId(record);
  }

  /** The key `token` is, why it is refused, or undefined: what verification asks, hashing included. */
  lookupToken(token: string): KeyEntry | RefusedKey | undefined {
    return this.lookupRecord(this.table.findDigest(hash("sha256", token, "binary")));
  }

  private lookupRecord(record: number): KeyEntry | RefusedKey | undefined {
    if (record < 0) return undefined;
    // One flag test for revoked, suspended and canary keys: the accepted path pays no more.
    if (this.table.isBlocked(record)) return this.refused(record);
    const known = this.table.cachedValue(record) as KeyEntry | undefined;
    return known ?? this.entry(record);
  }

  /** A revoked canary is retired: unknown, like any canary, and no longer reported. */
  private refused(record: number): RefusedKey | undefined {
    const t = this.table;
    if (t.isCanary(record)) {
      if (t.isRevoked(record)) return undefined;
      this.canaryKeyId = t.keyId(record);
      return "canary";
    }
    return t.isRevoked(record) ? "revoked" : "suspended";
  }

  private entry(record: number): KeyEntry {
    const t = this.table;
    const audienceIndex = t.audience(record);
    const expiry = t.expiresAt(record);
    const principalId = this.strings[t.principal(record)] as string;
    const scopes = this.scopeLists[t.scopes(record)] as readonly string[];
    const keyId = t.keyId(record);
    const audience = audienceIndex < 0 ? null : (this.strings[audienceIndex] as string);
    const expiresAt = expiry === 0 ? null : expiry;
    // Object literals of two fixed shapes (no spread, nothing added later): verification reads
    // these fields on every call, and a spread-built, then frozen, object read three times slower.
    const entry: KeyEntry = t.isDeprecated(record)
      ? { ok: true, principalId, scopes, keyId, kind: "api_key", deprecated: true, audience, expiresAt }
      : { ok: true, principalId, scopes, keyId, kind: "api_key", audience, expiresAt };
    Object.freeze(entry);
    t.cache(record, entry);
    return entry;
  }

  private intern(text: unknown): number {
    if (!isString(text)) fail("principal ids and audiences must be strings");
    let index = this.stringIndex.get(text);
    if (index === undefined) {
      index = this.strings.push(text) - 1;
      this.stringIndex.set(text, index);
    }
    return index;
  }

  private scopes(list: unknown): number {
    if (!Array.isArray(list) || !list.every(isString)) fail("scopes must be an array of strings");
    const id = list.join(" ");
    let index = this.scopeIndex.get(id);
    if (index === undefined) {
      index = this.scopeLists.push(Object.freeze([...list])) - 1;
      this.scopeIndex.set(id, index);
    }
    return index;
  }

  /** Adds a snapshot chunk. */
  addChunk(chunk: unknown): void {
    const c = chunk as KeyChunkWire;
    if (
      typeof c !== "object" ||
      c === null ||
      !Array.isArray(c.p) ||
      !Array.isArray(c.s) ||
      !isString(c.i) ||
      !isString(c.h) ||
      !Array.isArray(c.pi) ||
      !Array.isArray(c.si) ||
      !Array.isArray(c.e) ||
      !Array.isArray(c.o)
    ) {
      fail("keys chunk must be { p, s, i, h, pi, si, e, o }");
    }
    let n = c.i === "" ? 0 : 1;
    for (let at = c.i.indexOf(" "); at !== -1; at = c.i.indexOf(" ", at + 1)) n++;
    if (
      c.h.length !== n * HASH_LENGTH ||
      c.pi.length !== n ||
      c.si.length !== n ||
      c.e.length !== n ||
      c.o.length !== n ||
      (c.a !== undefined && (!Array.isArray(c.a) || c.a.length !== n)) ||
      (c.d !== undefined && !Array.isArray(c.d)) ||
      (c.u !== undefined && !Array.isArray(c.u)) ||
      (c.c !== undefined && !Array.isArray(c.c))
    ) {
      fail("keys chunk columns differ in length");
    }
    const strings = c.p.map((text) => this.intern(text));
    const scopeLists = c.s.map((list) => this.scopes(list));
    const marks = { deprecated: new Set(c.d ?? []), suspended: new Set(c.u ?? []), canary: new Set(c.c ?? []) };
    // The ids stay in the chunk's string: each key points at its own.
    const source = this.table.addSource(c.i);
    try {
      let ordinal = 0;
      for (let k = 0, start = 0; k < n; k++) {
        const end = k === n - 1 ? c.i.length : c.i.indexOf(" ", start);
        const delta = c.o[k];
        if (typeof delta !== "number" || !Number.isSafeInteger(delta)) fail("key ordinals must be integers");
        ordinal = k === 0 ? delta : ordinal + delta;
        this.putChunkKey(c, k, source, start, end - start, strings, scopeLists, marks, ordinal);
        start = end + 1;
      }
    } finally {
      this.table.releaseSource(source);
    }
  }

  private putChunkKey(
    c: KeyChunkWire,
    k: number,
    source: number,
    idStart: number,
    idLength: number,
    strings: number[],
    scopeLists: number[],
    marks: { deprecated: Set<number>; suspended: Set<number>; canary: Set<number> },
    ordinal: number,
  ): void {
    const principal = strings[c.pi[k] as number];
    const scopes = scopeLists[c.si[k] as number];
    const audience = c.a === undefined || c.a[k] === -1 ? -1 : strings[c.a[k] as number];
    const expiresAt = c.e[k];
    if (principal === undefined || scopes === undefined || audience === undefined) {
      fail("key names an unknown principal, scope list or audience");
    }
    if (typeof expiresAt !== "number" || !(expiresAt >= 0)) fail("key expiry must be a number");
    const fields = this.fields;
    fields.principal = principal;
    fields.scopes = scopes;
    fields.audience = audience;
    fields.expiresAt = expiresAt;
    fields.deprecated = marks.deprecated.has(k);
    fields.suspended = marks.suspended.has(k);
    fields.canary = marks.canary.has(k);
    fields.ordinal = ordinal;
    if (!this.table.put(source, idStart, idLength, c.h, k * HASH_LENGTH, fields)) {
      fail("key needs an id and a base64url SHA-256 hash");
    }
  }

  addKey(record: unknown): void {
    if (typeof record !== "object" || record === null) fail("key record must be an object");
    const r = record as KeyRecordWire;
    if (!isString(r.id) || !isString(r.hash) || r.hash.length !== HASH_LENGTH) fail("key record: id, hash");
    if (!(r.audience === null || isString(r.audience)) || !isTime(r.expiresAt)) fail("key record: audience, expiresAt");
    if (!Number.isSafeInteger(r.ordinal)) fail("key record: ordinal");
    const fields = this.fields;
    fields.principal = this.intern(r.principalId);
    fields.scopes = this.scopes(r.scopes);
    fields.audience = r.audience === null ? -1 : this.intern(r.audience);
    fields.expiresAt = r.expiresAt ?? 0;
    fields.deprecated = r.deprecated === true;
    fields.suspended = r.suspended === true;
    fields.canary = r.canary === true;
    fields.ordinal = r.ordinal;
    const source = this.table.addSource(r.id);
    const stored = this.table.put(source, 0, r.id.length, r.hash, 0, fields);
    this.table.releaseSource(source);
    if (!stored) fail("key record: hash must be base64url SHA-256");
  }

  revokeKeys(ids: unknown): void {
    if (!Array.isArray(ids)) fail("ids must be an array");
    for (const id of ids) {
      if (!isString(id)) fail("ids must be strings");
      this.table.revoke(id);
    }
  }

  /**
   * A `key.suspended` (`suspended` true) or `key.resumed` change: the keys it names are refused
   * as `suspended`, or verify again. Keys this replica does not hold, or holds revoked, are left.
   */
  suspendKeys(data: unknown, suspended: boolean): void {
    const ids = (data as Partial<KeySuspensionWire>).ids;
    if (!Array.isArray(ids)) fail("key.suspended and key.resumed need ids");
    for (const id of ids) {
      if (!isString(id)) fail("ids must be strings");
      this.table.setSuspended(id, 0, id.length, suspended);
    }
  }

  /** Revokes the keys whose ids `list` names, separated by single spaces (no string per id). */
  revokeIdList(list: unknown): void {
    if (!isString(list)) fail("idList must be a string");
    for (let start = 0; start < list.length; ) {
      let end = list.indexOf(" ", start);
      if (end === -1) end = list.length;
      this.table.revokeRange(list, start, end - start);
      start = end + 1;
    }
  }

  /** Revokes every key of the principal (one pass over the table's principal column). */
  revokePrincipal(principalId: unknown): void {
    if (!isString(principalId)) fail("principalId must be a string");
    const index = this.stringIndex.get(principalId);
    if (index !== undefined) this.table.revokeWhere(index);
  }

  /**
   * Revokes, per principal, the keys whose ordinal lies in one of its ranges:
   * `{ [principalId]: [lo0, hi0, lo1, hi1, ...] }`, ascending, inclusive (one pass over the table).
   */
  revokeRuns(runs: unknown): void {
    const rangesOf = parseRuns(runs, (principalId) => this.stringIndex.get(principalId));
    if (rangesOf.length > 0) this.table.revokeRanges(rangesOf);
  }

  /**
   * Revokes the keys whose ordinals `deltas` lists: the lowest ordinal, then each next one as
   * its difference from the one before (ascending, so every difference is positive).
   */
  revokeOrdinalDeltas(deltas: unknown): void {
    this.table.revokeSortedOrdinals(parseOrdinalDeltas(deltas));
  }

  /**
   * Revokes every key holding `scope`, of `principalId` when given (one pass over the table):
   * the condition a `{ scope, principalId? }` selector revoked by in the authority.
   */
  revokeScopeMatch(match: unknown): void {
    const { scope, principalId } = parseScopeMatch(match);
    let principal = -1;
    if (principalId !== undefined) {
      const index = this.stringIndex.get(principalId);
      // A principal this replica has never seen holds no key here.
      if (index === undefined) return;
      principal = index;
    }
    const holding = new Uint8Array(this.scopeLists.length);
    this.scopeLists.forEach((list, index) => {
      if (list.includes(scope)) holding[index] = 1;
    });
    this.table.revokeWhereScopes(principal, holding);
  }

  /**
   * Revokes the keys whose ordinals a bitmap names: `{ from, bits }`, bit k of the base64
   * `bits` (byte k >> 3, least significant bit first) for ordinal `from + k` (one pass).
   */
  revokeOrdinalBitmap(bitmap: unknown): void {
    const { from, bytes } = parseOrdinalBitmap(bitmap);
    this.table.revokeOrdinalBits(from, bytes);
  }

  /**
   * A `key.revoked` change: listed ids, or (large revocations) ranges of key ordinals per
   * principal, the scope matched, a bitmap of ordinals or the ordinals listed. An event with
   * none of these is a form this replica does not know: re-sync rather than guess.
   */
  private applyKeyRevoked(d: Record<keyof KeyRevokedWire, unknown>): void {
    if (
      d.ids === undefined &&
      d.idList === undefined &&
      d.runs === undefined &&
      d.ordinalBitmap === undefined &&
      d.scopeMatch === undefined &&
      d.ordinalDeltas === undefined
    ) {
      fail("key.revoked names no keys in a form this verifier knows");
    }
    if (d.ids !== undefined) this.revokeKeys(d.ids);
    if (d.idList !== undefined) this.revokeIdList(d.idList);
    if (d.runs !== undefined) this.revokeRuns(d.runs);
    if (d.ordinalBitmap !== undefined) this.revokeOrdinalBitmap(d.ordinalBitmap);
    if (d.scopeMatch !== undefined) this.revokeScopeMatch(d.scopeMatch);
    if (d.ordinalDeltas !== undefined) this.revokeOrdinalDeltas(d.ordinalDeltas);
  }

  /**
   * Applies one change event (see docs/events.md). Unknown event types are ignored (a newer
   * authority may add some); known ones with a wrong shape throw MalformedChangeError.
   */
  apply(type: string, data: unknown): void {
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
        this.applyKeyRevoked(d);
        return;
      case "key.rotated":
        this.addKey(d.previous);
        this.addKey(d.replacement);
        return;
      case "key.suspended":
      case "key.resumed":
        this.suspendKeys(d, type === "key.suspended");
        return;
      case "key.rotation_rolled_back":
        this.revokeKeys(d.revokedIds);
        this.addKey(d.restored);
        return;
      case "principal.disabled":
        if (d.revokedKeyIds !== undefined) this.revokeKeys(d.revokedKeyIds);
        this.revokePrincipal(d.principalId);
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
}
