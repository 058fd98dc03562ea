/**
 * The verifier's table of API keys: a million keys in typed arrays instead of a million objects
 * in two Maps. Records are columns (SHA-256 digest as eight 32-bit words, principal, scopes,
 * audience, expiry, flags); two open-addressing indexes find a record by token hash (on every
 * verification) and by key id (revocation events name ids). Why: with Maps, loading a million
 * keys cost seconds and hundreds of MB, a revocation of 100,000 keys cost ~1.5 µs a key in map
 * churn, and the garbage collector's pauses over millions of small objects were the
 * propagation p99.
 *
 * The mechanisms, each in key-table/: digest decoding (digest.ts), the probe indexes
 * (probe-index.ts), key ids as slices of shared source strings (id-sources.ts), large
 * revocations as one pass over the columns (bulk-revoke.ts, ordinal-sets.ts), and the ring of
 * remembered revocations (revoked-ring.ts): a revoked key stays in the table, flagged, so that
 * it verifies as `revoked` rather than `unknown`; the oldest are dropped beyond `maxRevoked`.
 * @module
 */

import * as bulk from "./key-table/bulk-revoke.js";
import { decodeHash, LITTLE_ENDIAN, readBinaryDigest, wordAt } from "./key-table/digest.js";
import { IdSources } from "./key-table/id-sources.js";
import { hashId, rebuildIndex, unlinkEntry } from "./key-table/probe-index.js";
import { RecordCache } from "./key-table/record-cache.js";
import { RevokedRing } from "./key-table/revoked-ring.js";
import { HASH_LENGTH } from "./wire.js";

export { decodeHash } from "./key-table/digest.js";

const { LIVE } = bulk;
const REVOKED = 2;
const DEPRECATED = 4;
/** Refused as `suspended` until resumed; still live (bulk revocations take it). */
const SUSPENDED = 8;
/** A decoy: answered as unknown, its use reported. Kept through a revocation (which retires it). */
const CANARY = 16;
/** Any flag that makes a found key fail: the one test the verification path makes. */
const BLOCKED = REVOKED | SUSPENDED | CANARY;

/** The fields of a record, as `put` takes them (strings and scope lists as indexes the caller owns). */
export interface KeyFields {
  principal: number;
  scopes: number;
  /** -1: none. */
  audience: number;
  /** Epoch ms; 0: never expires. */
  expiresAt: number;
  deprecated: boolean;
  suspended: boolean;
  canary: boolean;
  /** The key's ordinal (unique per key, assigned by the authority). */
  ordinal: number;
}

export class KeyTable {
  private capacity = 0;
  private mask = 0;
  private words = new Int32Array(0);
  private principals = new Int32Array(0);
  private scopeIndexes = new Int32Array(0);
  private audiences = new Int32Array(0);
  private expiries = new Float64Array(0);
  private ordinals = new Float64Array(0);
  private flags = new Uint8Array(0);
  private generations = new Uint32Array(0);
  /** Where each record's id is: `sources[idSource][idStart, idStart + idLength)`. */
  private idSource = new Int32Array(0);
  private idStart = new Int32Array(0);
  private idLength = new Uint16Array(0);
  private readonly sources = new IdSources();
  /** Per record, whatever the owner caches for it (the verification result); cleared on change. */
  private readonly cached = new RecordCache();
  /**
   * The indexes, by token hash and by key id: slot s is the pair [2s] = record + 1 (0: empty),
   * [2s + 1] = the key's 32-bit hash (digest word 0, or the id's hash), which is also where its
   * probe starts. Side by side, so a probe reads one cache line and touches a record's columns
   * only on a real match.
   */
  private byHash = new Int32Array(0);
  private byId = new Int32Array(0);
  private used = 0;
  private free: number[] = [];
  private live = 0;
  private revoked = 0;
  /** Revoked records, oldest first. */
  private readonly ring: RevokedRing;
  private readonly scratch = new Int32Array(8);

  constructor(
    private readonly maxRevoked = 1_000_000,
    initialCapacity = 1024,
  ) {
    this.ring = new RevokedRing(maxRevoked);
    let capacity = 16;
    while (capacity < initialCapacity) capacity *= 2;
    this.grow(capacity);
  }

  /** Keys that verify (not revoked). */
  get size(): number {
    return this.live;
  }

  /** Revoked keys still remembered as revoked. */
  get revokedCount(): number {
    return this.revoked;
  }

  /** The record of the token hash (43-character base64url), or -1. */
  find(hash: string): number {
    if (hash.length !== HASH_LENGTH || !decodeHash(hash, 0, this.scratch)) return -1;
    return (this.byHash[this.hashSlot(this.scratch) << 1] as number) - 1;
  }

  /**
   * The record of the token whose SHA-256 is `digest`, as 32 one-byte characters (the digest
   * in `binary`, i.e. latin1), or -1. The verification path: no base64 to decode.
   */
  findDigest(digest: string): number {
    if (digest.length !== 32) return -1;
    if (!LITTLE_ENDIAN) {
      readBinaryDigest(digest, this.scratch);
      return (this.byHash[this.hashSlot(this.scratch) << 1] as number) - 1;
    }
    // The first word is the tag and the probe start; the other seven are read only on a match.
    const w0 = wordAt(digest, 0);
    const index = this.byHash;
    const all = this.words;
    for (let slot = w0 & this.mask; ; slot = (slot + 1) & this.mask) {
      const entry = index[slot << 1] as number;
      if (entry === 0) return -1;
      if (index[(slot << 1) + 1] !== w0) continue;
      const base = (entry - 1) << 3;
      let same = true;
      for (let w = 1; w < 8 && same; w++) same = all[base + w] === wordAt(digest, w << 2);
      if (same) return entry - 1;
    }
  }

  isRevoked(record: number): boolean {
    return ((this.flags[record] as number) & REVOKED) !== 0;
  }
  isDeprecated(record: number): boolean {
    return ((this.flags[record] as number) & DEPRECATED) !== 0;
  }
  /** Revoked, suspended or a canary: a found key that must not verify. */
  isBlocked(record: number): boolean {
    return ((this.flags[record] as number) & BLOCKED) !== 0;
  }
  isSuspended(record: number): boolean {
    return ((this.flags[record] as number) & SUSPENDED) !== 0;
  }
  isCanary(record: number): boolean {
    return ((this.flags[record] as number) & CANARY) !== 0;
  }
  keyId(record: number): string {
    const start = this.idStart[record] as number;
    return this.sources.text(this.idSource[record] as number).slice(start, start + (this.idLength[record] as number));
  }

  /**
   * Registers `text` as the source of the ids of the next puts (a snapshot chunk's ids, or
   * one event's id), held by the caller until `releaseSource`; then it lives as long as a key
   * points into it.
   */
  addSource(text: string): number {
    return this.sources.add(text);
  }

  releaseSource(source: number): void {
    this.sources.release(source);
  }

  principal(record: number): number {
    return this.principals[record] as number;
  }
  scopes(record: number): number {
    return this.scopeIndexes[record] as number;
  }
  audience(record: number): number {
    return this.audiences[record] as number;
  }
  /** Epoch ms; 0: never expires. */
  expiresAt(record: number): number {
    return this.expiries[record] as number;
  }
  cachedValue(record: number): unknown {
    return this.cached.get(record);
  }
  cache(record: number, value: unknown): void {
    this.cached.set(record, value);
  }

  /**
   * Adds or replaces the key whose id is `sources[source][idStart, idStart + idLength)` and
   * whose token hash is `hashText[hashOffset...]` (43 characters). A key with the same id is
   * replaced (a narrowed, deprecated or un-revoked record); a different key with the same hash
   * is dropped. False if the hash is malformed or the id empty or too long.
   */
  put(
    source: number,
    idStart: number,
    idLength: number,
    hashText: string,
    hashOffset: number,
    fields: KeyFields,
  ): boolean {
    const words = this.scratch;
    if (idLength <= 0 || idLength > 0xffff || !decodeHash(hashText, hashOffset, words)) return false;
    // Room first: growing rebuilds the indexes, which would move the slots found below.
    if (this.free.length === 0 && this.used === this.capacity) this.grow(this.capacity * 2);
    const text = this.sources.text(source);
    const idHash = hashId(text, idStart, idLength);
    let idSlot = this.idSlot(text, idStart, idLength, idHash);
    let record = (this.byId[idSlot << 1] as number) - 1;
    if (record >= 0 && !this.sameWords(record, words)) {
      this.remove(record);
      record = -1;
      idSlot = this.idSlot(text, idStart, idLength, idHash);
    }
    if (record < 0) {
      let hashSlot = this.hashSlot(words);
      const other = (this.byHash[hashSlot << 1] as number) - 1;
      if (other >= 0) {
        // Removal shifts entries back: find both empty slots again.
        this.remove(other);
        hashSlot = this.hashSlot(words);
        idSlot = this.idSlot(text, idStart, idLength, idHash);
      }
      record = this.free.pop() ?? this.used++;
      this.words.set(words, record << 3);
      this.pointAt(record, source, idStart, idLength);
      this.byHash[hashSlot << 1] = record + 1;
      this.byHash[(hashSlot << 1) + 1] = words[0] as number;
      this.byId[idSlot << 1] = record + 1;
      this.byId[(idSlot << 1) + 1] = idHash;
      this.live++;
    } else if (this.isRevoked(record)) {
      // Un-revoked (a rotation rolled back): its entry in the revoked ring no longer applies.
      this.generations[record] = ((this.generations[record] as number) + 1) >>> 0;
      this.revoked--;
      this.live++;
    }
    this.principals[record] = fields.principal;
    this.scopeIndexes[record] = fields.scopes;
    this.audiences[record] = fields.audience;
    this.expiries[record] = fields.expiresAt;
    this.ordinals[record] = fields.ordinal;
    this.flags[record] =
      LIVE | (fields.deprecated ? DEPRECATED : 0) | (fields.suspended ? SUSPENDED : 0) | (fields.canary ? CANARY : 0);
    this.cached.clear(record);
    return true;
  }

  /**
   * Suspends (or, `suspended` false, resumes) the key whose id is `text[start, start + length)`.
   * False if it is not here or revoked (a revoked key stays revoked).
   */
  setSuspended(text: string, start: number, length: number, suspended: boolean): boolean {
    const record = (this.byId[this.idSlot(text, start, length, hashId(text, start, length)) << 1] as number) - 1;
    if (record < 0 || this.isRevoked(record)) return false;
    const flags = this.flags[record] as number;
    this.flags[record] = suspended ? flags | SUSPENDED : flags & ~SUSPENDED;
    this.cached.clear(record);
    return true;
  }

  /** Marks the key `id` revoked. False if it is not here or already revoked. */
  revoke(id: string): boolean {
    return this.revokeRange(id, 0, id.length);
  }

  /** Marks the key whose id is `text[start, start + length)` revoked. False if it is not here or already revoked. */
  revokeRange(text: string, start: number, length: number): boolean {
    const record = (this.byId[this.idSlot(text, start, length, hashId(text, start, length)) << 1] as number) - 1;
    if (record < 0 || this.isRevoked(record)) return false;
    this.revokeRecord(record);
    return true;
  }

  /** Marks every key of `principal` revoked; returns how many. */
  revokeWhere(principal: number): number {
    return bulk.revokeWhere(this.scanned(), principal, this.revokeRecordFn);
  }

  /**
   * Marks revoked every live key whose scope list (the index `put` was given) is flagged in
   * `scopeLists`, of `principal` only unless it is -1; returns how many. One pass.
   */
  revokeWhereScopes(principal: number, scopeLists: Uint8Array): number {
    return bulk.revokeWhereScopes(this.scanned(), principal, scopeLists, this.revokeRecordFn);
  }

  /**
   * Marks revoked every live key whose principal has ranges in `rangesOf` (indexed by principal,
   * `[lo0, hi0, lo1, hi1, ...]` ascending and inclusive, undefined for none) and whose ordinal
   * falls in one of them; returns how many. One pass over the table.
   */
  revokeRanges(rangesOf: ReadonlyArray<Float64Array | undefined>): number {
    return bulk.revokeRanges(this.scanned(), rangesOf, this.revokeRecordFn);
  }

  /** Marks revoked every live key whose ordinal is in `sorted` (ascending); returns how many. One pass. */
  revokeSortedOrdinals(sorted: Float64Array): number {
    return bulk.revokeSortedOrdinals(this.scanned(), sorted, this.revokeRecordFn);
  }

  /**
   * Marks revoked every live key whose ordinal `o` has its bit set in `bits`: bit `o - from`
   * (byte `(o - from) >> 3`, least significant bit first). Returns how many. One pass.
   */
  revokeOrdinalBits(from: number, bits: Uint8Array): number {
    return bulk.revokeOrdinalBits(this.scanned(), from, bits, this.revokeRecordFn);
  }

  /** The columns a bulk revocation scans. */
  private scanned(): bulk.ScannedColumns {
    return {
      used: this.used,
      flags: this.flags,
      principals: this.principals,
      scopeIndexes: this.scopeIndexes,
      ordinals: this.ordinals,
    };
  }

  private readonly revokeRecordFn = (record: number): void => this.revokeRecord(record);

  private revokeRecord(record: number): void {
    // A revoked canary stays marked as one: it answers unknown, as a canary does.
    this.flags[record] = REVOKED | ((this.flags[record] as number) & CANARY);
    this.cached.clear(record);
    this.live--;
    this.revoked++;
    this.rememberRevoked(record);
  }

  private rememberRevoked(record: number): void {
    if (this.maxRevoked <= 0) {
      this.remove(record);
      return;
    }
    this.ring.add(record, this.generations[record] as number, this.forgetRevoked);
  }

  /** Full ring: the oldest revocation is forgotten (unless its record has changed since). */
  private readonly forgetRevoked = (record: number, generation: number): void => {
    if (this.generations[record] === generation && this.isRevoked(record)) this.remove(record);
  };

  /** The slot holding the record with these digest words, or the empty slot where it would go. */
  private hashSlot(words: Int32Array): number {
    const w0 = words[0] as number;
    const index = this.byHash;
    const all = this.words;
    for (let slot = w0 & this.mask; ; slot = (slot + 1) & this.mask) {
      const entry = index[slot << 1] as number;
      if (entry === 0) return slot;
      if (index[(slot << 1) + 1] !== w0) continue;
      const base = (entry - 1) << 3;
      if (
        all[base + 1] === words[1] &&
        all[base + 2] === words[2] &&
        all[base + 3] === words[3] &&
        all[base + 4] === words[4] &&
        all[base + 5] === words[5] &&
        all[base + 6] === words[6] &&
        all[base + 7] === words[7]
      ) {
        return slot;
      }
    }
  }

  private sameWords(record: number, words: Int32Array): boolean {
    const base = record << 3;
    for (let i = 0; i < 8; i++) if (this.words[base + i] !== words[i]) return false;
    return true;
  }

  /** The slot holding the record of the key id `text[start, start + length)`, or the empty slot where it would go. */
  private idSlot(text: string, start: number, length: number, idHash: number): number {
    const index = this.byId;
    for (let slot = idHash & this.mask; ; slot = (slot + 1) & this.mask) {
      const entry = index[slot << 1] as number;
      if (entry === 0) return slot;
      if (index[(slot << 1) + 1] === idHash && this.sameId(entry - 1, text, start, length)) return slot;
    }
  }

  private sameId(record: number, text: string, start: number, length: number): boolean {
    if (this.idLength[record] !== length) return false;
    const source = this.sources.text(this.idSource[record] as number);
    const from = this.idStart[record] as number;
    for (let i = 0; i < length; i++) if (source.charCodeAt(from + i) !== text.charCodeAt(start + i)) return false;
    return true;
  }

  private pointAt(record: number, source: number, start: number, length: number): void {
    this.idSource[record] = source;
    this.idStart[record] = start;
    this.idLength[record] = length;
    this.sources.retain(source);
  }

  private idHashOf(record: number): number {
    return hashId(
      this.sources.text(this.idSource[record] as number),
      this.idStart[record] as number,
      this.idLength[record] as number,
    );
  }

  private remove(record: number): void {
    unlinkEntry(this.byHash, this.mask, record, this.words[record << 3] as number);
    unlinkEntry(this.byId, this.mask, record, this.idHashOf(record));
    if (this.isRevoked(record)) this.revoked--;
    else this.live--;
    this.flags[record] = 0;
    this.releaseSource(this.idSource[record] as number);
    this.cached.clear(record);
    this.generations[record] = ((this.generations[record] as number) + 1) >>> 0;
    this.free.push(record);
  }

  /** Doubles the columns and rebuilds both indexes at twice the records' capacity. */
  private grow(capacity: number): void {
    const copy = <T extends Int32Array | Uint32Array | Uint16Array | Float64Array | Uint8Array>(from: T, to: T): T => {
      to.set(from);
      return to;
    };
    this.words = copy(this.words, new Int32Array(capacity * 8));
    this.principals = copy(this.principals, new Int32Array(capacity));
    this.scopeIndexes = copy(this.scopeIndexes, new Int32Array(capacity));
    this.audiences = copy(this.audiences, new Int32Array(capacity));
    this.expiries = copy(this.expiries, new Float64Array(capacity));
    this.ordinals = copy(this.ordinals, new Float64Array(capacity));
    this.flags = copy(this.flags, new Uint8Array(capacity));
    this.generations = copy(this.generations, new Uint32Array(capacity));
    this.idSource = copy(this.idSource, new Int32Array(capacity));
    this.idStart = copy(this.idStart, new Int32Array(capacity));
    this.idLength = copy(this.idLength, new Uint16Array(capacity));
    this.capacity = capacity;
    const slots = capacity * 2;
    this.mask = slots - 1;
    this.byHash = rebuildIndex(this.byHash, slots);
    this.byId = rebuildIndex(this.byId, slots);
  }
}
