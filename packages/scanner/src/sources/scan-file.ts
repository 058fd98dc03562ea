/**
 * Scanning one file in bounded memory. Apart from `listFiles` (in `files.ts`) so that worker
 * threads load only what they need.
 * @module
 */

import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { ChunkedScanner, DEFAULT_CHUNK_SIZE } from "../chunked.js";
import type { Engine } from "../engine.js";
import { toFinding } from "../finding.js";
import type { InternalFinding } from "../types.js";

/** A file to scan: where to read it and how to name it in findings. */
export interface FileEntry {
  path: string;
  display: string;
}

/** Outcome of scanning one file. */
export interface FileScanResult {
  status: "scanned" | "binary" | "too-large" | "unreadable" | "not-a-file";
  bytes: number;
  findings: InternalFinding[];
  error?: string;
}

export interface FileScanOptions {
  maxFileSize: number;
  chunkSize?: number;
  overlap?: number;
}

/** Bytes inspected for a NUL to call a file binary (git's heuristic). */
const BINARY_SNIFF = 8000;

/** One read buffer per thread, reused from file to file (files are scanned one at a time). */
let readBuffer = Buffer.allocUnsafe(0);

/** Scans one file, streaming it in chunks when it is larger than one chunk. Never throws. */
export function scanFile(engine: Engine, entry: FileEntry, options: FileScanOptions): FileScanResult {
  let fd: number;
  try {
    fd = openSync(entry.path, "r");
  } catch (error) {
    return { status: "unreadable", bytes: 0, findings: [], error: (error as Error).message };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { status: "not-a-file", bytes: 0, findings: [] };
    if (stat.size > options.maxFileSize) return { status: "too-large", bytes: 0, findings: [] };
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    const scanner = new ChunkedScanner(engine, { chunkSize, ...(options.overlap ? { overlap: options.overlap } : {}) });
    // One byte more than the file: a file that fits is read whole, and its end seen, in one read.
    const capacity = Math.max(BINARY_SNIFF, Math.min(chunkSize, stat.size + 1));
    if (readBuffer.length < capacity) readBuffer = Buffer.allocUnsafe(capacity);
    const buffer = readBuffer.subarray(0, capacity);
    let first = true;
    let total = 0;
    let filled = 0;
    for (;;) {
      const read = readSync(fd, buffer, filled, buffer.length - filled, null);
      if (read === 0) break;
      if (first && buffer.subarray(0, Math.min(read, BINARY_SNIFF)).includes(0))
        return { status: "binary", bytes: 0, findings: [] };
      first = false;
      total += read;
      filled += read;
      // The file grew past the limit while being read.
      if (total > options.maxFileSize) return { status: "too-large", bytes: 0, findings: [] };
      if (filled === buffer.length) {
        // A large file: the scanner keeps what it is given until it scans it, so give it a copy.
        scanner.push(Buffer.from(buffer));
        filled = 0;
      }
    }
    // The scanner is done with these bytes when `end` returns: no copy needed.
    if (filled > 0) scanner.push(buffer.subarray(0, filled));
    const findings = scanner.end().map((m) => toFinding(m, { file: entry.display }));
    return { status: "scanned", bytes: total, findings };
  } catch (error) {
    return { status: "unreadable", bytes: 0, findings: [], error: (error as Error).message };
  } finally {
    closeSync(fd);
  }
}
