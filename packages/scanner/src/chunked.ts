/**
 * Scans a stream of bytes of any length in bounded memory (about `chunkSize + 2 * overlap`):
 * each chunk is scanned with up to `overlap` bytes of context on both sides. Every byte position
 * is owned by exactly one chunk and a match is reported by the chunk that owns its start, so a
 * secret straddling a chunk boundary is found exactly once, as long as the match and the context
 * its detector needs around it fit in `overlap` (the longest, a private key block, is capped at
 * 16 KB; the default overlap is 64 KB).
 * @module
 */

import { type Engine, type EngineMatch, findMatches } from "./engine.js";

/** Default bytes scanned at a time. */
export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;
/** Default bytes carried over between chunks: longer than any match (private keys are capped at 16 KB). */
export const DEFAULT_OVERLAP = 64 * 1024;
const INLINE_ALLOW = "tessera:allow";
/** How far from a secret, on its line, `tessera:allow` is looked for. */
export const INLINE_ALLOW_REACH = 4096;

/** A match with its place in the stream. */
export interface LocatedMatch {
  match: EngineMatch;
  /** The secret decoded as UTF-8 (it was matched on bytes). */
  secret: string;
  label: string | undefined;
  line: number;
  column: number;
  endColumn: number;
  inlineAllowed: boolean;
}

export interface ChunkedScannerOptions {
  chunkSize?: number;
  overlap?: number;
  /** Line number of the first byte (git hunks start mid-file). */
  firstLine?: number;
}

export class ChunkedScanner {
  readonly #engine: Engine;
  readonly #chunkSize: number;
  readonly #overlap: number;
  readonly #firstLine: number;
  readonly #results: LocatedMatch[] = [];
  #carried: Buffer = Buffer.alloc(0);
  #pending: Buffer[] = [];
  #pendingLength = 0;
  /** Global offset of `#carried[0]`. */
  #carriedStart = 0;
  /** Newlines before `#carriedStart`. */
  #linesBefore = 0;
  /** Global offset of the last newline before `#carriedStart`, or -1. */
  #lastNewline = -1;
  #bytes = 0;
  /** Offset in `#carried` from which positions are not yet owned by an earlier chunk. */
  #ownedStart = 0;

  constructor(engine: Engine, options: ChunkedScannerOptions = {}) {
    this.#engine = engine;
    this.#chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    this.#overlap = options.overlap ?? DEFAULT_OVERLAP;
    this.#firstLine = options.firstLine ?? 1;
    if (!(this.#chunkSize > 0 && this.#overlap >= 64))
      throw new RangeError("chunkSize must be positive and overlap at least 64 bytes");
  }

  /** Total bytes pushed. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Adds bytes. They are read, not copied, until the next chunk is scanned (at the latest by
   * {@link end}): do not overwrite them before.
   */
  push(bytes: Uint8Array): void {
    this.#bytes += bytes.length;
    for (let from = 0; from < bytes.length; from += this.#chunkSize) {
      const piece = bytes.subarray(from, Math.min(bytes.length, from + this.#chunkSize));
      this.#pending.push(asBuffer(piece));
      this.#pendingLength += piece.length;
      if (this.#pendingLength >= this.#chunkSize) this.#flush(false);
    }
  }

  /** Scans what is left and returns every match, in stream order. */
  end(): LocatedMatch[] {
    this.#flush(true);
    return this.#results;
  }

  #flush(final: boolean): void {
    // One piece and nothing carried (a file that fits in a chunk): scan it where it is.
    const buffer =
      this.#carried.length === 0 && this.#pending.length === 1
        ? (this.#pending[0] as Buffer)
        : Buffer.concat([this.#carried, ...this.#pending]);
    this.#pending = [];
    this.#pendingLength = 0;
    const bufferStart = this.#carriedStart;
    const ownedStart = this.#ownedStart;
    // Leave `overlap` bytes unowned at the end: a match starting there may run past this buffer.
    const ownedEnd = final ? buffer.length : Math.max(ownedStart, buffer.length - this.#overlap);
    if (ownedEnd > ownedStart) this.#locate(buffer, bufferStart, ownedStart, ownedEnd);
    if (final) return;
    // Carry the unowned tail, and `overlap` owned bytes before it as look-behind context
    // (an AWS secret before its key id, a URL scheme before its password).
    const keepFrom = Math.max(0, ownedEnd - this.#overlap);
    this.#linesBefore += countNewlines(buffer, 0, keepFrom);
    const last = buffer.subarray(0, keepFrom).lastIndexOf(10);
    if (last >= 0) this.#lastNewline = bufferStart + last;
    this.#carried = Buffer.from(buffer.subarray(keepFrom));
    this.#carriedStart = bufferStart + keepFrom;
    this.#ownedStart = ownedEnd - keepFrom;
  }

  #locate(buffer: Buffer, bufferStart: number, ownedStart: number, ownedEnd: number): void {
    // Everything below is incremental from one match to the next, so a long line with many
    // matches costs linear time.
    let line = this.#firstLine + this.#linesBefore;
    let counted = 0;
    /** Start of the current line in `buffer`, or -1 when it began before the buffer. */
    let lineStart = bufferStart === 0 || this.#lastNewline === bufferStart - 1 ? 0 : -1;
    let columnAt = lineStart;
    let column = 1;
    for (const match of findMatches(this.#engine, buffer)) {
      if (match.start < ownedStart || match.start >= ownedEnd) continue;
      const newlines = countNewlines(buffer, counted, match.start);
      if (newlines > 0) {
        line += newlines;
        lineStart = counted + buffer.subarray(counted, match.start).lastIndexOf(10) + 1;
        columnAt = lineStart;
        column = 1;
      }
      counted = match.start;
      if (lineStart >= 0) {
        column += utf16Length(buffer, columnAt, match.start);
        columnAt = match.start;
      } else {
        column = bufferStart + match.start - this.#lastNewline;
      }
      const secret = Buffer.from(match.secret, "latin1").toString("utf8");
      const firstLineOfSecret = secret.split("\n", 1)[0] as string;
      this.#results.push({
        match,
        secret,
        label: match.label,
        line,
        column,
        endColumn: column + firstLineOfSecret.length,
        inlineAllowed: hasInlineAllow(buffer, Math.max(lineStart, 0), match.start),
      });
    }
  }
}

/** `tessera:allow` on the finding's line, within {@link INLINE_ALLOW_REACH} bytes of it. */
function hasInlineAllow(buffer: Buffer, lineStart: number, at: number): boolean {
  const from = Math.max(lineStart, at - INLINE_ALLOW_REACH);
  const window = buffer.subarray(at, Math.min(buffer.length, at + INLINE_ALLOW_REACH));
  const newline = window.indexOf(10);
  const to = newline < 0 ? at + window.length : at + newline;
  return buffer.subarray(from, to).includes(INLINE_ALLOW);
}

/** UTF-16 code units of the UTF-8 bytes in [from, to): lead bytes count 1, 4-byte leads 2. */
function utf16Length(bytes: Uint8Array, from: number, to: number): number {
  let units = 0;
  for (let i = from; i < to; i++) {
    const b = bytes[i] as number;
    if (b < 0x80 || b >= 0xc0) units += b >= 0xf0 ? 2 : 1;
  }
  return units;
}

/** Newlines in `bytes[from, to)`. `indexOf` (memchr) beats a plain loop even at one call per line. */
function countNewlines(bytes: Uint8Array, from: number, to: number): number {
  // Bounded view: on a long line, `indexOf` must not run on past `to` once per match.
  const view = bytes.subarray(from, to);
  let count = 0;
  for (let at = view.indexOf(10); at >= 0; at = view.indexOf(10, at + 1)) count++;
  return count;
}

/** The same bytes as a Buffer, without a copy (and without a new view when they already are one). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Convenience: scans one in-memory buffer. */
export function scanBuffer(engine: Engine, bytes: Uint8Array, options: ChunkedScannerOptions = {}): LocatedMatch[] {
  const scanner = new ChunkedScanner(engine, options);
  scanner.push(bytes);
  return scanner.end();
}
