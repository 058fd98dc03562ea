/**
 * The verifier's table of API keys: a million keys in typed arrays instead of a million objects
 * in two Maps. Records are columns (SHA-256 digest as eight 32-bit words, principal, scopes,
 * audience, expiry, flags); two open-addressing indexes (linear probing, load <= 1/2, deletion
 * by backward shift, so no tombstones) find a record by token hash (on every verification) and
 * by key id (revocation events name ids). Large revocations name ranges of key ordinals per
 * principal instead, applied in one pass over the principal and ordinal columns. Why: with Maps, loading a million keys cost seconds
 * and hundreds of MB, and a revocation of 100,000 keys cost ~1.5 µs a key in map churn, while
 * the garbage collector's pauses over millions of small objects were the propagation p99.
 *
 * Key ids are not a string each: a record points at its id in a source string (a snapshot
 * chunk's space-separated ids, or an event's id), which saves a million small heap objects.
 *
 * A revoked key stays in the table, flagged, so that it verifies as `revoked` rather than
 * `unknown`; the oldest revoked records are dropped beyond `maxRevoked`.
 * @module
 */
import { HASH_LENGTH } from "./wire.js";

const LIVE = 1;
const REVOKED = 2;
const DEPRECATED = 4;

/** base64url character code -> 6-bit value, -1 for anything else. */
const BASE64URL = new Int8Array(128).fill(-1);
for (const [i, c] of [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"].entries()) {
  BASE64URL[c.charCodeAt(0)] = i;
}

/** The digest's bytes, decoded here and read as eight 32-bit words through `WORDS`. */
const BYTES = new Uint8Array(32);
const WORDS = new Int32Array(BYTES.buffer);
/** Whether WORDS reads bytes little-endian, so that words can be assembled with shifts instead. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Decodes the 43-character base64url SHA-256 at `text[offset...]` into `out` (eight 32-bit
 * words, in the platform's byte order: only ever compared with words decoded the same way).
 * False if it is not one. Four characters (three bytes) at a time: this runs on every
 * verification.
 */
export function decodeHash(text: string, offset: number, out: Int32Array): boolean {
  if (text.length < offset + HASH_LENGTH) return false;
  const table = BASE64URL;
  let invalid = 0;
  let at = offset;
  for (let b = 0; b < 30; b += 3, at += 4) {
    const c0 = table[text.charCodeAt(at) & 127] as number;
    const c1 = table[text.charCodeAt(at + 1) & 127] as number;
    const c2 = table[text.charCodeAt(at + 2) & 127] as number;
    const c3 = table[text.charCodeAt(at + 3) & 127] as number;
    invalid |=
      c0 |
      c1 |
      c2 |
      c3 |
      (text.charCodeAt(at) | text.charCodeAt(at + 1) | text.charCodeAt(at + 2) | text.charCodeAt(at + 3));
    const v = (c0 << 18) | (c1 << 12) | (c2 << 6) | c3;
    BYTES[b] = v >>> 16;
    BYTES[b + 1] = v >>> 8;
    BYTES[b + 2] = v;
  }
  const c0 = table[text.charCodeAt(at) & 127] as number;
  const c1 = table[text.charCodeAt(at + 1) & 127] as number;
  const c2 = table[text.charCodeAt(at + 2) & 127] as number;
  invalid |= c0 | c1 | c2 | (text.charCodeAt(at) | text.charCodeAt(at + 1) | text.charCodeAt(at + 2));
  // 43 characters carry 258 bits: the last 2 must be zero in a canonical encoding.
  if (invalid & ~127 || (c2 & 3) !== 0) return false;
  const v = (c0 << 10) | (c1 << 4) | (c2 >>> 2);
  BYTES[30] = v >>> 8;
  BYTES[31] = v;
  out.set(WORDS);
  return true;
}

/** The little-endian 32-bit word of the one-byte characters `text[at, at + 4)`. */
function wordAt(text: string, at: number): number {
  return (
    text.charCodeAt(at) |
    (text.charCodeAt(at + 1) << 8) |
    (text.charCodeAt(at + 2) << 16) |
    (text.charCodeAt(at + 3) << 24)
  );
}

/** 32-bit hash of the key id `text[start, start + length)` (FNV-1a, then a finalizer so that nearby ids spread). */
function hashId(text: string, start: number, length: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < start + length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** Whether `value` lies in one of `ranges` (`[lo0, hi0, ...]`, ascending, inclusive): binary search. */
function inRanges(ranges: Float64Array, value: number): boolean {
  // The last range whose lo <= value, then its hi.
  let low = 0;
  let high = (ranges.length >>> 1) - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    if ((ranges[mid << 1] as number) <= value) low = mid + 1;
    else high = mid - 1;
  }
  return high >= 0 && value <= (ranges[(high << 1) + 1] as number);
}

/** Whether ascending `sorted` holds `value`: binary search. */
function sortedHas(sorted: Float64Array, value: number): boolean {
  let low = 0;
  let high = sorted.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const at = sorted[mid] as number;
    if (at === value) return true;
    if (at < value) low = mid + 1;
    else high = mid - 1;
  }
  return false;
}

/** The fields of a record, as `put` takes them (strings and scope lists as indexes the caller owns). */
export interface KeyFields {
  principal: number;
  scopes: number;
  /** -1: none. */
  audience: number;
  /** Epoch ms; 0: never expires. */
  expiresAt: number;
  deprecated: boolean;
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
  private sources: string[] = [];
  /** Records pointing into each source; a source nobody points into is dropped. */
  private sourceUsers: number[] = [];
  private freeSources: number[] = [];
  /** Per record, whatever the owner caches for it (the verification result); cleared on change. */
  private cached: unknown[] = [];
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
  /** Revoked records, oldest first, as (record, generation) pairs in a ring. */
  private ring = new Int32Array(0);
  private ringStart = 0;
  private ringCount = 0;
  private readonly scratch = new Int32Array(8);

  constructor(
    private readonly maxRevoked = 1_000_000,
    initialCapacity = 1024,
  ) {
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
      for (let b = 0; b < 32; b++) BYTES[b] = digest.charCodeAt(b);
      this.scratch.set(WORDS);
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
  keyId(record: number): string {
    const start = this.idStart[record] as number;
    return (this.sources[this.idSource[record] as number] as string).slice(
      start,
      start + (this.idLength[record] as number),
    );
  }

  /**
   * Registers `text` as the source of the ids of the next puts (a snapshot chunk's ids, or
   * one event's id), held by the caller until `releaseSource`; then it lives as long as a key
   * points into it.
   */
  addSource(text: string): number {
    const source = this.freeSources.pop() ?? this.sources.length;
    this.sources[source] = text;
    this.sourceUsers[source] = 1;
    return source;
  }

  releaseSource(source: number): void {
    const users = (this.sourceUsers[source] as number) - 1;
    this.sourceUsers[source] = users;
    if (users === 0) {
      this.sources[source] = "";
      this.freeSources.push(source);
    }
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
    return this.cached[record];
  }
  cache(record: number, value: unknown): void {
    this.cached[record] = value;
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
    const text = this.sources[source] as string;
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
    this.flags[record] = LIVE | (fields.deprecated ? DEPRECATED : 0);
    this.cached[record] = undefined;
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
    let count = 0;
    const flags = this.flags;
    const principals = this.principals;
    for (let record = 0; record < this.used; record++) {
      if ((flags[record] as number) & LIVE && principals[record] === principal) {
        this.revokeRecord(record);
        count++;
      }
    }
    return count;
  }

  /**
   * Marks revoked every live key whose scope list (the index `put` was given) is flagged in
   * `scopeLists`, of `principal` only unless it is -1; returns how many. One pass.
   */
  revokeWhereScopes(principal: number, scopeLists: Uint8Array): number {
    let count = 0;
    const flags = this.flags;
    const principals = this.principals;
    const scopes = this.scopeIndexes;
    for (let record = 0; record < this.used; record++) {
      if (!((flags[record] as number) & LIVE)) continue;
      if (principal !== -1 && principals[record] !== principal) continue;
      if (scopeLists[scopes[record] as number] !== 1) continue;
      this.revokeRecord(record);
      count++;
    }
    return count;
  }

  /**
   * Marks revoked every live key whose principal has ranges in `rangesOf` (indexed by principal,
   * `[lo0, hi0, lo1, hi1, ...]` ascending and inclusive, undefined for none) and whose ordinal
   * falls in one of them; returns how many. One pass over the table.
   */
  revokeRanges(rangesOf: ReadonlyArray<Float64Array | undefined>): number {
    let count = 0;
    const flags = this.flags;
    const principals = this.principals;
    const ordinals = this.ordinals;
    for (let record = 0; record < this.used; record++) {
      if (!((flags[record] as number) & LIVE)) continue;
      const ranges = rangesOf[principals[record] as number];
      if (ranges === undefined || !inRanges(ranges, ordinals[record] as number)) continue;
      this.revokeRecord(record);
      count++;
    }
    return count;
  }

  /**
   * Marks revoked every live key whose ordinal is in `sorted` (ascending); returns how many.
   * One pass: a range check, then a binary search for the keys inside the range (for 100,000
   * ordinals and 600,000 keys about 15 ms, where finding 100,000 keys by id took 40-50).
   */
  revokeSortedOrdinals(sorted: Float64Array): number {
    if (sorted.length === 0) return 0;
    const lowest = sorted[0] as number;
    const highest = sorted[sorted.length - 1] as number;
    let count = 0;
    const flags = this.flags;
    const ordinals = this.ordinals;
    for (let record = 0; record < this.used; record++) {
      if (!((flags[record] as number) & LIVE)) continue;
      const ordinal = ordinals[record] as number;
      if (ordinal < lowest || ordinal > highest || !sortedHas(sorted, ordinal)) continue;
      this.revokeRecord(record);
      count++;
    }
    return count;
  }

  /**
   * Marks revoked every live key whose ordinal `o` has its bit set in `bits`: bit `o - from`
   * (byte `(o - from) >> 3`, least significant bit first). Returns how many. One pass.
   */
  revokeOrdinalBits(from: number, bits: Uint8Array): number {
    let count = 0;
    const flags = this.flags;
    const ordinals = this.ordinals;
    const span = bits.length * 8;
    for (let record = 0; record < this.used; record++) {
      if (!((flags[record] as number) & LIVE)) continue;
      const k = (ordinals[record] as number) - from;
      if (!(k >= 0 && k < span) || ((bits[k >>> 3] as number) & (1 << (k & 7))) === 0) continue;
      this.revokeRecord(record);
      count++;
    }
    return count;
  }

  private revokeRecord(record: number): void {
    this.flags[record] = REVOKED;
    this.cached[record] = undefined;
    this.live--;
    this.revoked++;
    this.rememberRevoked(record);
  }

  private rememberRevoked(record: number): void {
    if (this.maxRevoked <= 0) {
      this.remove(record);
      return;
    }
    let size = this.ring.length >>> 1;
    if (this.ringCount === size) {
      if (size < this.maxRevoked) {
        // Grow the ring, oldest first again.
        const grown = new Int32Array(Math.min(this.maxRevoked, Math.max(1024, size * 2)) * 2);
        for (let i = 0; i < this.ringCount; i++) {
          const from = ((this.ringStart + i) % size) * 2;
          grown[i * 2] = this.ring[from] as number;
          grown[i * 2 + 1] = this.ring[from + 1] as number;
        }
        this.ring = grown;
        this.ringStart = 0;
        size = grown.length >>> 1;
      } else {
        // Full: forget the oldest revocation (unless its record has changed since).
        const at = this.ringStart * 2;
        const oldest = this.ring[at] as number;
        if (this.generations[oldest] === (this.ring[at + 1] as number) >>> 0 && this.isRevoked(oldest)) {
          this.remove(oldest);
        }
        this.ringStart = (this.ringStart + 1) % size;
        this.ringCount--;
      }
    }
    const at = ((this.ringStart + this.ringCount) % size) * 2;
    this.ring[at] = record;
    this.ring[at + 1] = this.generations[record] as number;
    this.ringCount++;
  }

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
    const source = this.sources[this.idSource[record] as number] as string;
    const from = this.idStart[record] as number;
    for (let i = 0; i < length; i++) if (source.charCodeAt(from + i) !== text.charCodeAt(start + i)) return false;
    return true;
  }

  private pointAt(record: number, source: number, start: number, length: number): void {
    this.idSource[record] = source;
    this.idStart[record] = start;
    this.idLength[record] = length;
    this.sourceUsers[source] = (this.sourceUsers[source] as number) + 1;
  }

  private idHashOf(record: number): number {
    return hashId(
      this.sources[this.idSource[record] as number] as string,
      this.idStart[record] as number,
      this.idLength[record] as number,
    );
  }

  private insert(index: Int32Array, record: number, hash: number): void {
    let slot = hash & this.mask;
    while (index[slot << 1] !== 0) slot = (slot + 1) & this.mask;
    index[slot << 1] = record + 1;
    index[(slot << 1) + 1] = hash;
  }

  /** Empties the slot holding `record` and shifts later entries of its probe run back. */
  private unlink(index: Int32Array, record: number, hash: number): void {
    const mask = this.mask;
    let hole = hash & mask;
    while (index[hole << 1] !== record + 1) hole = (hole + 1) & mask;
    for (let slot = (hole + 1) & mask; index[slot << 1] !== 0; slot = (slot + 1) & mask) {
      const wanted = (index[(slot << 1) + 1] as number) & mask;
      // The entry at `slot` may fill the hole unless its home lies cyclically in (hole, slot].
      const stays = hole <= slot ? wanted > hole && wanted <= slot : wanted > hole || wanted <= slot;
      if (!stays) {
        index[hole << 1] = index[slot << 1] as number;
        index[(hole << 1) + 1] = index[(slot << 1) + 1] as number;
        hole = slot;
      }
    }
    index[hole << 1] = 0;
    index[(hole << 1) + 1] = 0;
  }

  private remove(record: number): void {
    this.unlink(this.byHash, record, this.words[record << 3] as number);
    this.unlink(this.byId, record, this.idHashOf(record));
    if (this.isRevoked(record)) this.revoked--;
    else this.live--;
    this.flags[record] = 0;
    this.releaseSource(this.idSource[record] as number);
    this.cached[record] = undefined;
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
    const byHash = this.byHash;
    const byId = this.byId;
    this.byHash = new Int32Array(slots * 2);
    this.byId = new Int32Array(slots * 2);
    // Re-insert from the old indexes, whose tags are the hashes: no digest or id is re-read.
    for (let slot = 0; slot < byHash.length; slot += 2) {
      if (byHash[slot] !== 0) this.insert(this.byHash, (byHash[slot] as number) - 1, byHash[slot + 1] as number);
      if (byId[slot] !== 0) this.insert(this.byId, (byId[slot] as number) - 1, byId[slot + 1] as number);
    }
  }
}
