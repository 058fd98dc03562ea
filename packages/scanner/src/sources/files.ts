/**
 * Working-tree files: which files to scan (git's own view of ignored files inside a repository,
 * a `.gitignore` matcher outside one), and scanning one file in bounded memory.
 * @module
 */

import { execFile } from "node:child_process";
import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readFileSync, readSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { promisify } from "node:util";
import ignore, { type Ignore } from "ignore";
import { ChunkedScanner, DEFAULT_CHUNK_SIZE } from "../chunked.js";
import type { Engine } from "../engine.js";
import { toFinding } from "../finding.js";
import type { InternalFinding } from "../types.js";

const execFileAsync = promisify(execFile);

/** A file to scan: where to read it and how to name it in findings. */
export interface FileEntry {
  path: string;
  display: string;
}

export interface ListedFiles {
  files: FileEntry[];
  /** Symlinks are not followed (they may point outside the tree or loop); counted here. */
  symlinks: number;
  unreadable: string[];
}

/**
 * Files under `target` (a file or a directory). Inside a git work tree this is
 * `git ls-files --cached --others --exclude-standard`, so `.gitignore`, `.git/info/exclude` and
 * the global excludes apply exactly as git applies them; elsewhere the directory is walked with
 * every `.gitignore` found on the way. `respectGitignore: false` walks everything but `.git`.
 */
export async function listFiles(target: string, respectGitignore = true): Promise<ListedFiles> {
  const result: ListedFiles = { files: [], symlinks: 0, unreadable: [] };
  const stat = lstatSync(target);
  if (stat.isSymbolicLink()) {
    result.symlinks++;
    return result;
  }
  if (!stat.isDirectory()) {
    result.files.push({ path: target, display: target });
    return result;
  }
  const tracked = respectGitignore ? await gitListFiles(target) : null;
  if (tracked !== null) {
    for (const rel of tracked) result.files.push({ path: join(target, rel), display: join(target, rel) });
    return result;
  }
  walk(target, "", respectGitignore ? [] : null, result);
  return result;
}

async function gitListFiles(dir: string): Promise<string[] | null> {
  try {
    const { stdout } = await execFileAsync(
      "git",
      ["-C", dir, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
      {
        maxBuffer: 1024 * 1024 * 1024,
        encoding: "buffer",
      },
    );
    return stdout
      .toString("utf8")
      .split("\0")
      .filter((p) => p.length > 0);
  } catch {
    return null;
  }
}

interface Matcher {
  base: string;
  ignore: Ignore;
}

function walk(root: string, rel: string, matchers: Matcher[] | null, result: ListedFiles): void {
  const dir = join(root, rel);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    result.unreadable.push(dir);
    return;
  }
  let active = matchers;
  if (matchers !== null && names.includes(".gitignore")) {
    try {
      const rules = readFileSync(join(dir, ".gitignore"), "utf8");
      active = [...matchers, { base: rel, ignore: ignore().add(rules) }];
    } catch {
      // An unreadable .gitignore ignores nothing.
    }
  }
  for (const name of names.sort()) {
    if (name === ".git") continue;
    const childRel = rel === "" ? name : `${rel}/${name}`;
    const full = join(root, childRel);
    let stat: ReturnType<typeof lstatSync>;
    try {
      stat = lstatSync(full);
    } catch {
      result.unreadable.push(full);
      continue;
    }
    if (stat.isSymbolicLink()) {
      result.symlinks++;
      continue;
    }
    const isDir = stat.isDirectory();
    if (active !== null && isIgnored(active, childRel, isDir)) continue;
    if (isDir) walk(root, childRel, active, result);
    else if (stat.isFile()) result.files.push({ path: full, display: full });
  }
}

function isIgnored(matchers: readonly Matcher[], rel: string, isDir: boolean): boolean {
  let ignored = false;
  for (const m of matchers) {
    const local = m.base === "" ? rel : relative(m.base, rel).split(sep).join("/");
    if (local.startsWith("..")) continue;
    const verdict = m.ignore.test(isDir ? `${local}/` : local);
    if (verdict.ignored) ignored = true;
    else if (verdict.unignored) ignored = false;
  }
  return ignored;
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
