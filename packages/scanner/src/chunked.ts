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

  push(bytes: Uint8Array): void {
    this.#bytes += bytes.length;
    for (let from = 0; from < bytes.length; from += this.#chunkSize) {
      const piece = bytes.subarray(from, Math.min(bytes.length, from + this.#chunkSize));
      this.#pending.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
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
    const buffer = Buffer.concat([this.#carried, ...this.#pending]);
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
    const dropped = buffer.subarray(0, keepFrom);
    this.#linesBefore += countNewlines(dropped);
    const last = dropped.lastIndexOf(10);
    if (last >= 0) this.#lastNewline = bufferStart + last;
    this.#carried = Buffer.from(buffer.subarray(keepFrom));
    this.#carriedStart = bufferStart + keepFrom;
    this.#ownedStart = ownedEnd - keepFrom;
  }

  #locate(buffer: Buffer, bufferStart: number, ownedStart: number, ownedEnd: number): void {
    let line = this.#firstLine + this.#linesBefore;
    let counted = 0;
    for (const match of findMatches(this.#engine, buffer)) {
      if (match.start < ownedStart || match.start >= ownedEnd) continue;
      line += countNewlines(buffer.subarray(counted, match.start));
      counted = match.start;
      const lineStartInBuffer = buffer.lastIndexOf(10, match.start - 1) + 1;
      const lineKnown = lineStartInBuffer > 0 || bufferStart === 0 || this.#lastNewline === bufferStart - 1;
      const column = lineKnown
        ? buffer.subarray(lineStartInBuffer, match.start).toString("utf8").length + 1
        : bufferStart + match.start - this.#lastNewline;
      const secret = Buffer.from(match.secret, "latin1").toString("utf8");
      const firstLineOfSecret = secret.split("\n", 1)[0] as string;
      const lineEnd = buffer.indexOf(10, match.start);
      const lineText = buffer.subarray(
        lineStartInBuffer,
        lineEnd < 0 ? buffer.length : Math.min(lineEnd, match.start + 65536),
      );
      this.#results.push({
        match,
        secret,
        label: match.label,
        line,
        column,
        endColumn: column + firstLineOfSecret.length,
        inlineAllowed: lineText.includes(INLINE_ALLOW),
      });
    }
  }
}

function countNewlines(bytes: Uint8Array): number {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let count = 0;
  let at = buffer.indexOf(10);
  while (at >= 0) {
    count++;
    at = buffer.indexOf(10, at + 1);
  }
  return count;
}

/** Convenience: scans one in-memory buffer. */
export function scanBuffer(engine: Engine, bytes: Uint8Array, options: ChunkedScannerOptions = {}): LocatedMatch[] {
  const scanner = new ChunkedScanner(engine, options);
  scanner.push(bytes);
  return scanner.end();
}
