/**
 * Working-tree files: which files to scan (git's own view of ignored files inside a repository,
 * a `.gitignore` matcher outside one). Scanning one file is in `scan-file.ts`.
 * @module
 */

import { execFile } from "node:child_process";
import { type Dirent, lstatSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { promisify } from "node:util";
import type { Ignore } from "ignore";
import type { FileEntry } from "./scan-file.js";

export { type FileEntry, type FileScanOptions, type FileScanResult, scanFile } from "./scan-file.js";

const execFileAsync = promisify(execFile);

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
  // Loaded only here: most scans (inside a repository, or of files) never need it, and loading it
  // is a noticeable part of the CLI's start-up.
  // A CommonJS module: Node hands its exports over as the default export.
  const { default: ignore } = (await import("ignore")) as unknown as { default: () => Ignore };
  walk(target, "", respectGitignore ? [] : null, result, ignore);
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

function walk(
  root: string,
  rel: string,
  matchers: Matcher[] | null,
  result: ListedFiles,
  createIgnore: () => Ignore,
): void {
  const dir = join(root, rel);
  // Entries with their types (from the directory listing itself): no lstat per file.
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    result.unreadable.push(dir);
    return;
  }
  let active = matchers;
  if (matchers !== null && entries.some((e) => e.name === ".gitignore")) {
    try {
      const rules = readFileSync(join(dir, ".gitignore"), "utf8");
      active = [...matchers, { base: rel, ignore: createIgnore().add(rules) }];
    } catch {
      // An unreadable .gitignore ignores nothing.
    }
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const name = entry.name;
    if (name === ".git") continue;
    const childRel = rel === "" ? name : `${rel}/${name}`;
    const full = join(root, childRel);
    if (entry.isSymbolicLink()) {
      result.symlinks++;
      continue;
    }
    const isDir = entry.isDirectory();
    if (active !== null && isIgnored(active, childRel, isDir)) continue;
    if (isDir) walk(root, childRel, active, result, createIgnore);
    else if (entry.isFile()) result.files.push({ path: full, display: full });
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
