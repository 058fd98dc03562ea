/**
 * Git history: added lines of every commit reachable from the chosen revisions, streamed from
 * `git log -p -U0` (never loaded whole), optionally only the commits not scanned last time.
 * @module
 */

import { spawn } from "node:child_process";
import type { Engine } from "../engine.js";
import { ScanError } from "../errors.js";
import type { InternalFinding } from "../types.js";
import { DiffParser, type DiffStats } from "./diff-parser.js";
import { git } from "./git-command.js";

/** Options of `git log` shared by history scans: no colour, no external diff or textconv, added lines only. */
export const LOG_FORMAT = "--format=%x00%H%x00%an%x00%ae%x00%aI";

export interface HistoryOptions {
  repo: string;
  /** A revision range such as `origin/main..HEAD`; all refs (and HEAD) when absent. */
  range?: string;
  /**
   * The tips of every ref and HEAD when the caller resolved them already (without a range); when
   * absent, git log takes `--all` itself, which saves two git processes before the scan starts.
   */
  tips?: readonly string[];
  /** Commits (or refs) already scanned: their history is excluded. */
  exclude?: readonly string[];
  maxFileSize: number;
  chunkSize?: number;
  overlap?: number;
  onFinding(finding: InternalFinding): void;
  onProgress?(stats: DiffStats): void;
}

/** The positive revisions a history scan starts from, resolved to object ids before it starts. */
export async function resolveTips(repo: string, range?: string): Promise<string[]> {
  if (range !== undefined) {
    if (range.startsWith("-")) throw new ScanError("invalid_option", `invalid revision range "${range}"`);
    const parsed = await git(repo, ["rev-parse", "--revs-only", range, "--"]).catch((error: unknown) => {
      throw new ScanError("invalid_option", `invalid revision range "${range}": ${(error as Error).message}`);
    });
    return parsed.split("\n").filter((l) => l.length > 0 && !l.startsWith("^"));
  }
  const all = (await git(repo, ["rev-parse", "--all"])).split("\n").filter((l) => l.length > 0);
  const head = await git(repo, ["rev-parse", "--verify", "--quiet", "HEAD"]).catch(() => "");
  return [...new Set([...all, ...(head.trim() ? [head.trim()] : [])])];
}

/** Keeps the ids that still name objects in the repository (history may have been rewritten). */
export async function existingObjects(repo: string, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const output = await git(repo, ["cat-file", "--batch-check=%(objectname) %(objecttype)"], `${ids.join("\n")}\n`);
  return output
    .split("\n")
    .filter((l) => l.endsWith(" commit") || l.endsWith(" tag"))
    .map((l) => l.split(" ")[0] as string);
}

/** Streams the history between the range's tips and the excluded commits. */
export async function scanHistory(engine: Engine, options: HistoryOptions): Promise<DiffStats> {
  const parser = new DiffParser(engine, {
    maxFileSize: options.maxFileSize,
    ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}),
    ...(options.overlap ? { overlap: options.overlap } : {}),
    onFinding: options.onFinding,
  });
  const tips = options.range !== undefined ? [options.range] : options.tips;
  if (tips !== undefined && tips.length === 0) return parser.stats; // an empty repository
  const revisions = [...(tips ?? []), ...(options.exclude ?? []).map((id) => `^${id}`)];
  const args = [
    "-C",
    options.repo,
    "-c",
    "core.quotePath=false",
    "log",
    "-p",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--no-renames",
    "-U0",
    LOG_FORMAT,
    ...(tips === undefined ? ["--all"] : []),
    "--stdin",
  ];
  await new Promise<void>((resolve, reject) => {
    const child = spawn("git", args, { stdio: ["pipe", "pipe", "pipe"] });
    const stderr: Buffer[] = [];
    let lastProgress = 0;
    child.stdout.on("data", (data: Buffer) => {
      parser.push(data);
      const now = Date.now();
      if (options.onProgress && now - lastProgress > 200) {
        lastProgress = now;
        options.onProgress(parser.stats);
      }
    });
    child.stderr.on("data", (d: Buffer) => stderr.push(d));
    child.on("error", (error) =>
      reject(new ScanError("git_missing", "git is not installed or not on PATH", { cause: error })),
    );
    child.on("close", (code) => {
      if (code === 0) {
        parser.end();
        resolve();
      } else {
        reject(new ScanError("git_failed", `git log failed: ${Buffer.concat(stderr).toString("utf8").trim()}`));
      }
    });
    child.stdin.on("error", () => {
      // git exits early on a bad revision; the close handler reports why.
    });
    child.stdin.end(`${revisions.join("\n")}\n`);
  });
  return parser.stats;
}
