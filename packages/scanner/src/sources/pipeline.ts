/**
 * The scan's sources behind one shape: each kind (paths, stdin, git history, the index) is a
 * function from its options to a {@link SourceScan}. Sources other than paths are loaded on
 * demand: loading them is a noticeable part of the CLI's start-up for a scan of files.
 * @module
 */
import { existsSync, lstatSync, realpathSync } from "node:fs";
import { resolve } from "node:path";
import type { Readable } from "node:stream";
import type { Engine } from "../engine.js";
import { ScanError } from "../errors.js";
import type { ScanStats } from "../report/stats.js";
import type { InternalFinding } from "../types.js";
import { scanFilesInParallel } from "./file-pool.js";
import { type FileEntry, listFiles } from "./files.js";
import type { EngineSpec } from "./pool-protocol.js";

type GitCommand = typeof import("./git-command.js").git;

export type ScanSource =
  | { kind: "paths"; paths: string[]; respectGitignore?: boolean }
  | { kind: "stdin"; stream: Readable; name?: string }
  | { kind: "git"; repo: string; range?: string }
  | { kind: "staged"; repo: string };

type Progress = { files: number; bytes: number; commits: number };

/** What every source is given. */
export interface SourceContext {
  engine: Engine;
  /** What worker threads build their engines from: the same detectors as `engine`. */
  spec: EngineSpec;
  maxFileSize: number;
  chunkSize: number;
  overlap: number;
  workers: number | undefined;
  /** State file for incremental history scans (git source only). */
  statePath: string | undefined;
  /** The repository's top level when the scan already asked git for it (git and index sources). */
  repositoryRoot?: string;
  onProgress: ((progress: Progress) => void) | undefined;
}

/** What every source answers. */
export interface SourceScan {
  findings: InternalFinding[];
  /** The counters this source sets; the others keep their empty values. */
  stats: Partial<ScanStats>;
  /** Non-fatal problems (unreadable files), one line each. */
  warnings: string[];
  /** To run once remediation succeeded (saving the incremental state), or null. */
  afterRemediation: (() => void) | null;
}

type SourceOf<K extends ScanSource["kind"]> = Extract<ScanSource, { kind: K }>;
type SourceRunner<K extends ScanSource["kind"]> = (source: SourceOf<K>, ctx: SourceContext) => Promise<SourceScan>;

function isBrokenSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Every file under the given paths, with what could not be listed. */
async function listPaths(source: SourceOf<"paths">, stats: Partial<ScanStats>, warnings: string[]) {
  const entries: FileEntry[] = [];
  for (const path of source.paths) {
    if (!existsSync(path) && !isBrokenSymlink(path)) throw new ScanError("path_not_found", `${path} does not exist`);
    const listed = await listFiles(path, source.respectGitignore ?? true);
    entries.push(...listed.files);
    stats.skippedSymlinks = (stats.skippedSymlinks ?? 0) + listed.symlinks;
    stats.skippedUnreadable = (stats.skippedUnreadable ?? 0) + listed.unreadable.length;
    for (const u of listed.unreadable) warnings.push(`cannot read ${u}`);
  }
  return entries;
}

const scanPaths: SourceRunner<"paths"> = async (source, ctx) => {
  const stats = { files: 0, bytes: 0, skippedBinary: 0, skippedLarge: 0, skippedUnreadable: 0, skippedSymlinks: 0 };
  const warnings: string[] = [];
  const findings: InternalFinding[] = [];
  const entries = await listPaths(source, stats, warnings);
  const { engine, spec, maxFileSize, chunkSize, overlap, onProgress } = ctx;
  let lastProgress = 0;
  const usage = await scanFilesInParallel(
    entries,
    { engine, spec, options: { maxFileSize, chunkSize, overlap }, workers: ctx.workers },
    (entry, result) => {
      if (result.status === "scanned") {
        stats.files++;
        stats.bytes += result.bytes;
        findings.push(...result.findings);
      } else if (result.status === "binary") stats.skippedBinary++;
      else if (result.status === "too-large") stats.skippedLarge++;
      else if (result.status === "unreadable") {
        stats.skippedUnreadable++;
        warnings.push(`cannot read ${entry.display}: ${result.error ?? "unknown error"}`);
      }
      const now = Date.now();
      if (onProgress && now - lastProgress > 200) {
        lastProgress = now;
        onProgress({ files: stats.files, bytes: stats.bytes, commits: 0 });
      }
    },
  );
  return {
    findings,
    stats: { ...stats, workers: usage.workers, workerFiles: usage.workerFiles },
    warnings,
    afterRemediation: null,
  };
};

const scanStdin: SourceRunner<"stdin"> = async (source, ctx) => {
  const { scanStream } = await import("./stdin.js");
  const result = await scanStream(ctx.engine, source.stream, {
    chunkSize: ctx.chunkSize,
    overlap: ctx.overlap,
    ...(source.name ? { name: source.name } : {}),
  });
  return { findings: result.findings, stats: { files: 1, bytes: result.bytes }, warnings: [], afterRemediation: null };
};

/** The key of a repository in the state file: its origin remote when it has one, else its real path. */
async function repositoryKey(repo: string, git: GitCommand): Promise<string> {
  const remote = await git(repo, ["config", "--get", "remote.origin.url"]).then(
    (s) => s.trim(),
    () => "",
  );
  return remote !== "" ? remote : realpathSync(resolve(repo));
}

/** The previous scan's state of `repo`: the objects to skip, and how to save this scan's. */
async function incrementalState(repo: string, statePath: string) {
  const { git } = await import("./git-command.js");
  const { existingObjects } = await import("./git.js");
  const { readState, updateRepository, writeState } = await import("../state.js");
  const state = readState(statePath);
  const key = await repositoryKey(repo, git);
  const previous = state.repositories[key];
  return {
    exclude: await existingObjects(repo, previous?.tips ?? []),
    since: previous?.lastCommit ?? null,
    save: (head: string | null, tips: readonly string[]) => () =>
      writeState(statePath, updateRepository(state, key, head, tips)),
  };
}

/** The commit the state records as the last one scanned: HEAD, or the range's first tip. */
async function lastScanned(repo: string, range: string | undefined, tips: readonly string[]) {
  if (range !== undefined) return tips[0] ?? null;
  const { git } = await import("./git-command.js");
  return git(repo, ["rev-parse", "--verify", "--quiet", "HEAD"]).then(
    (s) => s.trim() || null,
    () => null,
  );
}

/** The source's repository root: the one the scan resolved for its configuration, else asked now. */
async function rootOf(repo: string, ctx: SourceContext): Promise<string> {
  if (ctx.repositoryRoot !== undefined) return ctx.repositoryRoot;
  const { repositoryRoot } = await import("./git-command.js");
  return repositoryRoot(repo);
}

const scanGit: SourceRunner<"git"> = async (source, ctx) => {
  const { resolveTips, scanHistory } = await import("./git.js");
  const repo = await rootOf(source.repo, ctx);
  const incremental = ctx.statePath === undefined ? null : await incrementalState(repo, ctx.statePath);
  // Only the incremental state records the tips; a plain scan lets git log resolve `--all` itself.
  const tips = incremental === null ? [] : await resolveTips(repo, source.range);
  const findings: InternalFinding[] = [];
  const history = await scanHistory(ctx.engine, {
    repo,
    ...(source.range !== undefined ? { range: source.range } : {}),
    ...(incremental !== null && source.range === undefined ? { tips } : {}),
    exclude: incremental?.exclude ?? [],
    maxFileSize: ctx.maxFileSize,
    chunkSize: ctx.chunkSize,
    overlap: ctx.overlap,
    onFinding: (f) => findings.push(f),
    onProgress: (s) => ctx.onProgress?.({ files: s.files, bytes: s.bytes, commits: s.commits }),
  });
  const stats: Partial<ScanStats> = {
    files: history.files,
    bytes: history.bytes,
    commits: history.commits,
    skippedBinary: history.skippedBinary,
    skippedLarge: history.skippedLarge,
  };
  if (incremental === null) return { findings, stats, warnings: [], afterRemediation: null };
  stats.incremental = { since: incremental.since, newCommits: history.commits };
  const head = await lastScanned(repo, source.range, tips);
  return { findings, stats, warnings: [], afterRemediation: incremental.save(head, tips) };
};

const scanIndex: SourceRunner<"staged"> = async (source, ctx) => {
  const { scanStaged } = await import("./staged.js");
  const repo = await rootOf(source.repo, ctx);
  const findings: InternalFinding[] = [];
  const staged = await scanStaged(ctx.engine, {
    repo,
    maxFileSize: ctx.maxFileSize,
    onFinding: (f) => findings.push(f),
  });
  const stats = {
    files: staged.files,
    bytes: staged.bytes,
    skippedBinary: staged.skippedBinary,
    skippedLarge: staged.skippedLarge,
  };
  return { findings, stats, warnings: [], afterRemediation: null };
};

const RUNNERS: { [K in ScanSource["kind"]]: SourceRunner<K> } = {
  paths: scanPaths,
  stdin: scanStdin,
  git: scanGit,
  staged: scanIndex,
};

/** Scans one source with the runner of its kind. */
export function scanSource(source: ScanSource, ctx: SourceContext): Promise<SourceScan> {
  return (RUNNERS[source.kind] as SourceRunner<ScanSource["kind"]>)(source as never, ctx);
}
