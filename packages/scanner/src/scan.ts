/**
 * Orchestration: one source (paths, stdin, git history or the index), the detectors, then
 * allowlist, baseline, the authority (liveness or revoke), and incremental state.
 * @module
 */

import { statSync } from "node:fs";
import { relative, resolve } from "node:path";
import { createAllowlist } from "./allowlist.js";
import { DEFAULT_CHUNK_SIZE, DEFAULT_OVERLAP } from "./chunked.js";
import { loadConfig, type ScanConfig } from "./config.js";
import { selectDetectors, TESSERA_DETECTOR_ID } from "./detectors/index.js";
import { createEngine, type Engine } from "./engine.js";
import { ScanError } from "./errors.js";
import type { LeakReport } from "./remediation.js";
import { emptyStats, type ScanStats } from "./report/stats.js";
import { type ScanSource, type SourceContext, scanSource } from "./sources/pipeline.js";
import type { Detector, Finding, InternalFinding } from "./types.js";

export type { ScanSource } from "./sources/pipeline.js";

/** Default size above which files are skipped: 10 MB. */
export const DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024;

export interface AuthorityOptions {
  url: string;
  credential: string;
  /** Revoke live leaked tokens instead of only checking them. */
  revoke: boolean;
  allowInsecureHttp?: boolean;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface ScanOptions {
  source: ScanSource;
  /** Extra Tessera prefixes (added to `tsk`, `tsr` and the config's). */
  prefixes?: string[];
  /** Detector ids to turn off (added to the config's). */
  disable?: string[];
  maxFileSize?: number;
  chunkSize?: number;
  overlap?: number;
  /** Path of the config file; by default `.tessera-scan.json` in the scanned root; `false` for none. */
  config?: string | false;
  baseline?: string;
  writeBaseline?: string;
  /** State file for incremental history scans (git source only). */
  statePath?: string;
  /** Include secrets in the returned findings. */
  showSecrets?: boolean;
  /**
   * Worker threads for file scanning. By default one per core (at most 8) for scans of at least
   * 128 files and 64 MB, the calling thread for smaller ones; a number is used whatever the size
   * of the scan; 0 (or 1) scans on the calling thread.
   */
  workers?: number;
  authority?: AuthorityOptions;
  onProgress?(progress: { files: number; bytes: number; commits: number }): void;
}

export interface ScanResult {
  findings: Finding[];
  stats: ScanStats;
  /** Non-fatal problems (unreadable files), one line each. */
  warnings: string[];
  /** The detectors that ran, for reports. */
  detectors: Pick<Detector, "id" | "description">[];
  /** Set when the authority step failed: the findings are complete, remediation is not. */
  authorityError?: ScanError;
}

/** What a scan is set up with: its configuration, detectors, engine and the limits sources apply. */
async function setUp(options: ScanOptions) {
  const root = await configRoot(options.source);
  const config: ScanConfig = options.config === false ? {} : loadConfig(root, options.config).config;
  const spec = {
    prefixes: [...new Set([...(config.prefixes ?? []), ...(options.prefixes ?? [])])],
    disable: [...new Set([...(config.disable ?? []), ...(options.disable ?? [])])],
  };
  let detectors: Detector[];
  try {
    detectors = selectDetectors(spec);
  } catch (error) {
    throw new ScanError("invalid_option", (error as Error).message, { cause: error });
  }
  const context: SourceContext = {
    engine: engineFor(spec, detectors),
    spec,
    maxFileSize: options.maxFileSize ?? config.maxFileSize ?? DEFAULT_MAX_FILE_SIZE,
    chunkSize: options.chunkSize ?? DEFAULT_CHUNK_SIZE,
    overlap: options.overlap ?? DEFAULT_OVERLAP,
    workers: options.workers,
    statePath: options.statePath,
    onProgress: options.onProgress,
    ...(options.source.kind === "git" || options.source.kind === "staged" ? { repositoryRoot: root } : {}),
  };
  // Loaded on demand: a scan of files without a baseline does not need it (start-up time).
  const baselines =
    options.baseline !== undefined || options.writeBaseline !== undefined ? await import("./baseline.js") : null;
  const baseline =
    options.baseline !== undefined && baselines !== null ? baselines.readBaseline(options.baseline) : null;
  return { root, config, detectors, context, baselines, baseline };
}

type SetUp = Awaited<ReturnType<typeof setUp>>;

/**
 * Allowlist first (what the team accepted for good), then the baseline (what existed before);
 * writes the baseline when asked. Answers the findings to report, sorted.
 */
function suppress(
  options: ScanOptions,
  { root, config, baselines, baseline }: SetUp,
  raw: readonly InternalFinding[],
  stats: ScanStats,
): InternalFinding[] {
  const scannedRoot = resolve(root);
  const allowlist = createAllowlist(config.allowlist, (file) =>
    options.source.kind === "paths" ? relative(scannedRoot, resolve(file)) : file,
  );
  const allowed: InternalFinding[] = [];
  for (const finding of raw) {
    const reason = allowlist.reasonFor(finding);
    if (reason === null) allowed.push(finding);
    else stats.suppressed[reason]++;
  }
  sortFindings(allowed);
  if (options.writeBaseline !== undefined) baselines?.writeBaseline(options.writeBaseline, allowed);
  const reported = baseline === null ? allowed : allowed.filter((f) => !baseline.has(f.locationFingerprint));
  stats.suppressed.baseline = allowed.length - reported.length;
  return reported;
}

/** Liveness or revocation by the authority, when asked; a failure is answered, not thrown. */
async function remediateFindings(
  options: ScanOptions,
  reported: readonly InternalFinding[],
  findings: Finding[],
): Promise<ScanError | undefined> {
  if (!options.authority) return undefined;
  try {
    await remediate(options.authority, reported, findings);
    return undefined;
  } catch (error) {
    return error instanceof ScanError
      ? error
      : new ScanError("authority_error", (error as Error).message, { cause: error });
  }
}

/**
 * Scans one source and returns findings and counters. Throws a {@link ScanError} for faults
 * (bad options, not a repository); an unreachable authority is reported in `authorityError`.
 * @example
 * const { findings } = await scan({ source: { kind: "paths", paths: ["."] } });
 */
export async function scan(options: ScanOptions): Promise<ScanResult> {
  const started = performance.now();
  const setup = await setUp(options);
  const scanned = await scanSource(options.source, setup.context);
  const stats: ScanStats = { ...emptyStats(), ...scanned.stats };
  const reported = suppress(options, setup, scanned.findings, stats);
  const findings: Finding[] = reported.map((f) => toPublic(f, options.showSecrets ?? false));
  const authorityError = await remediateFindings(options, reported, findings);
  // A failed remediation keeps the state where it was, so the next run finds those tokens again.
  if (scanned.afterRemediation !== null && authorityError === undefined) scanned.afterRemediation();
  stats.durationMs = performance.now() - started;
  const result: ScanResult = {
    findings,
    stats,
    warnings: scanned.warnings,
    detectors: setup.detectors.map((d) => ({ id: d.id, description: d.description })),
  };
  if (authorityError) result.authorityError = authorityError;
  return result;
}

/**
 * Engines of recent scans, by detector selection: building one (the keyword automaton) takes
 * milliseconds, a noticeable share of a small scan. Engines hold no state between calls.
 */
const engines = new Map<string, Engine>();
const MAX_CACHED_ENGINES = 8;

function engineFor(spec: { prefixes: string[]; disable: string[] }, detectors: Detector[]): Engine {
  const key = JSON.stringify([[...spec.prefixes].sort(), [...spec.disable].sort()]);
  let engine = engines.get(key);
  if (engine === undefined) {
    engine = createEngine(detectors);
    if (engines.size >= MAX_CACHED_ENGINES) engines.delete(engines.keys().next().value as string);
    engines.set(key, engine);
  }
  return engine;
}

async function remediate(
  authority: AuthorityOptions,
  internal: readonly InternalFinding[],
  findings: Finding[],
): Promise<void> {
  const { createAuthorityClient } = await import("./remediation.js");
  const client = createAuthorityClient({
    url: authority.url,
    credential: authority.credential,
    ...(authority.allowInsecureHttp ? { allowInsecureHttp: true } : {}),
    ...(authority.timeoutMs ? { timeoutMs: authority.timeoutMs } : {}),
    ...(authority.fetch ? { fetch: authority.fetch } : {}),
  });
  // One request entry per distinct token, however often it leaked; the first location is reported.
  const firstIndex = new Map<string, number>();
  internal.forEach((f, i) => {
    if (f.detector === TESSERA_DETECTOR_ID && !firstIndex.has(f.secret)) firstIndex.set(f.secret, i);
  });
  const tokens = [...firstIndex.keys()];
  if (tokens.length === 0) return;
  if (authority.revoke) {
    const leaks: LeakReport[] = tokens.map((token) => {
      const f = internal[firstIndex.get(token) as number] as InternalFinding;
      return { token, location: locationOf(f), detector: "tessera", fingerprint: f.fingerprint };
    });
    const results = await client.revoke(leaks);
    const byToken = new Map(tokens.map((t, i) => [t, results[i]]));
    internal.forEach((f, i) => {
      const r = byToken.get(f.secret);
      if (r && f.detector === TESSERA_DETECTOR_ID) (findings[i] as Finding).remediation = r;
    });
  } else {
    const results = await client.check(tokens);
    const byToken = new Map(tokens.map((t, i) => [t, results[i]]));
    internal.forEach((f, i) => {
      const r = byToken.get(f.secret);
      if (r && f.detector === TESSERA_DETECTOR_ID) (findings[i] as Finding).liveness = r;
    });
  }
}

/** `path:line:column`, plus ` (commit <sha>)` for history; the authority records it as the reason. */
export function locationOf(f: Pick<Finding, "file" | "line" | "column" | "commit">): string {
  return `${f.file}:${f.line}:${f.column}${f.commit ? ` (commit ${f.commit.commit})` : ""}`;
}

function toPublic(f: InternalFinding, showSecret: boolean): Finding {
  const { secret, inlineAllowed: _inline, ...rest } = f;
  return showSecret ? { ...rest, secret } : rest;
}

function sortFindings(findings: InternalFinding[]): void {
  findings.sort(
    (a, b) =>
      (a.commit?.date ?? "").localeCompare(b.commit?.date ?? "") ||
      (a.commit?.commit ?? "").localeCompare(b.commit?.commit ?? "") ||
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.column - b.column,
  );
}

async function configRoot(source: ScanSource): Promise<string> {
  if (source.kind === "git" || source.kind === "staged") {
    const { repositoryRoot } = await import("./sources/git-command.js");
    return repositoryRoot(source.repo);
  }
  if (source.kind === "paths" && source.paths.length > 0) {
    const first = source.paths[0] as string;
    try {
      if (statSync(first).isDirectory()) return first;
    } catch {
      // Reported as path_not_found by the scan itself.
    }
  }
  return process.cwd();
}
