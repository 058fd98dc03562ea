/**
 * A streaming parser of `git log -p -U0` / `git diff -U0` output that scans added lines only.
 * It works on bytes and never holds more than one header line (capped) and one chunk of a hunk,
 * so a huge history or a one-line 1 GB file passes through in bounded memory.
 * @module
 */

import { ChunkedScanner, DEFAULT_CHUNK_SIZE } from "../chunked.js";
import type { Engine } from "../engine.js";
import { toFinding } from "../finding.js";
import type { CommitInfo, InternalFinding } from "../types.js";

/** Header lines longer than this are truncated (they are never scanned). */
const MAX_HEADER_LINE = 64 * 1024;
const LINE_HEADER = 0;
const LINE_ADDED = 1;
const LINE_SKIPPED = 2;
const HUNK = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/;

export interface DiffStats {
  commits: number;
  /** File diffs with added lines that were scanned. */
  files: number;
  bytes: number;
  skippedBinary: number;
  skippedLarge: number;
}

export interface DiffParserOptions {
  maxFileSize: number;
  chunkSize?: number;
  overlap?: number;
  onFinding(finding: InternalFinding): void;
  /** Called once per commit header, before its diff. */
  onCommit?(commit: CommitInfo): void;
}

/**
 * Feed it the bytes of the diff as they arrive, then call `end()`. Commit headers must be
 * written with `--format=%x00%H%x00%an%x00%ae%x00%aI` (a NUL cannot start any diff line).
 */
export class DiffParser {
  readonly stats: DiffStats = { commits: 0, files: 0, bytes: 0, skippedBinary: 0, skippedLarge: 0 };
  readonly #engine: Engine;
  readonly #options: DiffParserOptions;
  #header: Buffer[] = [];
  #headerLength = 0;
  /** The kind of the line being read: LINE_ADDED, LINE_SKIPPED or LINE_HEADER. */
  #line = LINE_HEADER;
  #atLineStart = true;
  #commit: CommitInfo | undefined;
  #file: string | null = null;
  #fileBytes = 0;
  #fileCounted = false;
  #fileTooLarge = false;
  #hunk: ChunkedScanner | null = null;
  /**
   * Added lines of the current hunk not yet given to its scanner, gathered here rather than one
   * Buffer per line: a history has hundreds of thousands of lines, and a Buffer each cost a
   * third of the scan's time.
   */
  #pending: Buffer = Buffer.allocUnsafe(64 * 1024);
  #pendingLength = 0;
  readonly #chunkSize: number;

  constructor(engine: Engine, options: DiffParserOptions) {
    this.#engine = engine;
    this.#options = options;
    this.#chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  }

  push(data: Buffer): void {
    let pos = 0;
    while (pos < data.length) {
      if (this.#atLineStart) {
        this.#atLineStart = false;
        this.#line = this.#lineKind(data[pos] as number);
        if (this.#line === LINE_ADDED) {
          pos++;
          continue;
        }
      }
      const newline = data.indexOf(10, pos);
      const end = newline < 0 ? data.length : newline + 1;
      if (this.#line === LINE_ADDED) this.#added(data, pos, end);
      else if (this.#line === LINE_HEADER)
        this.#headerBytes(data, pos, newline < 0 ? data.length : newline, newline >= 0);
      if (newline >= 0) this.#atLineStart = true;
      pos = end;
    }
  }

  /**
   * What a line is from its first byte. Inside a -U0 hunk only added lines, removed lines and
   * "\ No newline" markers can follow: removed ones are skipped unread (a history's deletions
   * are as large as its additions) until a line of another kind ends the hunk.
   */
  #lineKind(first: number): number {
    if (this.#hunk !== null) {
      if (first === 43 /* + */) return LINE_ADDED;
      if (first === 45 /* - */ || first === 92 /* \ */) return LINE_SKIPPED;
    }
    return LINE_HEADER;
  }

  /** A header line's bytes; decoded straight from the chunk when the whole line is in it. */
  #headerBytes(data: Buffer, start: number, end: number, complete: boolean): void {
    if (complete && this.#headerLength === 0) {
      this.#headerLine(data.toString("utf8", start, Math.min(end, start + MAX_HEADER_LINE)));
      return;
    }
    this.#headerPart(data.subarray(start, end));
    if (complete) this.#headerLine(this.#takeHeader());
  }

  end(): void {
    if (this.#headerLength > 0) this.#headerLine(this.#takeHeader());
    this.#finishHunk();
  }

  #added(data: Buffer, start: number, end: number): void {
    if (this.#hunk === null || this.#fileTooLarge) return;
    const length = end - start;
    this.#fileBytes += length;
    if (this.#fileBytes > this.#options.maxFileSize) {
      this.#fileTooLarge = true;
      this.stats.skippedLarge++;
      this.#hunk = null;
      this.#pendingLength = 0;
      return;
    }
    if (!this.#fileCounted) {
      this.#fileCounted = true;
      this.stats.files++;
    }
    this.stats.bytes += length;
    if (this.#pendingLength + length > this.#pending.length) {
      const larger = Buffer.allocUnsafe(Math.max(2 * this.#pending.length, this.#pendingLength + length));
      this.#pending.copy(larger, 0, 0, this.#pendingLength);
      this.#pending = larger;
    }
    data.copy(this.#pending, this.#pendingLength, start, end);
    this.#pendingLength += length;
    // A chunk's worth (a long hunk): the scanner may keep what it is given until its next chunk,
    // so it gets a copy and the gathering buffer is reused.
    if (this.#pendingLength >= this.#chunkSize) this.#givePending(this.#hunk, true);
  }

  #givePending(hunk: ChunkedScanner, copy: boolean): void {
    if (this.#pendingLength > 0) {
      const bytes = this.#pending.subarray(0, this.#pendingLength);
      hunk.push(copy ? Buffer.from(bytes) : bytes);
    }
    this.#pendingLength = 0;
  }

  #headerPart(bytes: Buffer): void {
    if (this.#headerLength >= MAX_HEADER_LINE) return;
    const room = MAX_HEADER_LINE - this.#headerLength;
    const piece = bytes.length > room ? bytes.subarray(0, room) : bytes;
    this.#header.push(Buffer.from(piece));
    this.#headerLength += piece.length;
  }

  #takeHeader(): string {
    const line = Buffer.concat(this.#header).toString("utf8");
    this.#header = [];
    this.#headerLength = 0;
    return line;
  }

  #headerLine(line: string): void {
    // A header line ends the hunk before it (removed lines never get here: see #lineKind).
    if (this.#hunk !== null) this.#finishHunk();
    if (line.startsWith("\0")) {
      const [, hash, author, email, date] = line.split("\0");
      this.#commit = { commit: hash ?? "", author: author ?? "", email: email ?? "", date: date ?? "" };
      this.stats.commits++;
      this.#options.onCommit?.(this.#commit);
      this.#file = null;
    } else if (line.startsWith("diff --git ") || line.startsWith("diff --cc ")) {
      this.#file = null;
      this.#fileBytes = 0;
      this.#fileCounted = false;
      this.#fileTooLarge = false;
    } else if (line.startsWith("+++ ")) {
      this.#file = parsePath(line.slice(4));
    } else if (line.startsWith("Binary files ")) {
      this.stats.skippedBinary++;
    } else if (line.startsWith("@@ ") && this.#file !== null && !this.#fileTooLarge) {
      const hunk = HUNK.exec(line);
      if (hunk !== null && hunk[2] !== "0") {
        this.#hunk = new ChunkedScanner(this.#engine, {
          firstLine: Number(hunk[1]),
          ...(this.#options.chunkSize ? { chunkSize: this.#options.chunkSize } : {}),
          ...(this.#options.overlap ? { overlap: this.#options.overlap } : {}),
        });
      }
    }
  }

  #finishHunk(): void {
    const hunk = this.#hunk;
    this.#hunk = null;
    if (hunk === null || this.#file === null) {
      this.#pendingLength = 0;
      return;
    }
    // The scanner is done with these bytes when `end` returns: no copy needed.
    this.#givePending(hunk, false);
    const source = this.#commit ? { file: this.#file, commit: this.#commit } : { file: this.#file };
    for (const match of hunk.end()) this.#options.onFinding(toFinding(match, source));
  }
}

/** The new-side path of a `+++ ` line: `b/path`, `"b/quoted\tpath"` or `/dev/null`. */
function parsePath(raw: string): string | null {
  let path = raw.endsWith("\t") ? raw.slice(0, -1) : raw;
  if (path === "/dev/null") return null;
  if (path.startsWith('"') && path.endsWith('"')) path = unquote(path.slice(1, -1));
  return path.startsWith("b/") ? path.slice(2) : path;
}

/** Undoes git's C-style quoting (`core.quotePath`), including octal-escaped UTF-8 bytes. */
function unquote(quoted: string): string {
  const bytes: number[] = [];
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, '"': 34, "\\": 92, a: 7, b: 8, f: 12, v: 11 };
  for (let i = 0; i < quoted.length; i++) {
    const c = quoted[i] as string;
    if (c !== "\\") {
      for (const b of Buffer.from(c, "utf8")) bytes.push(b);
      continue;
    }
    const next = quoted[i + 1] ?? "";
    if (/[0-7]/.test(next)) {
      bytes.push(Number.parseInt(quoted.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(simple[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString("utf8");
}
