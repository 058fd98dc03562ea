/** Counters of one scan, shown in every report format. */
export interface ScanStats {
  /** Files (or file diffs in history) whose bytes were scanned. */
  files: number;
  bytes: number;
  commits: number;
  skippedBinary: number;
  skippedLarge: number;
  skippedUnreadable: number;
  skippedSymlinks: number;
  /** Findings not reported, by reason. */
  suppressed: { inline: number; path: number; pattern: number; fingerprint: number; baseline: number };
  durationMs: number;
  /** Set for history scans with `--state`. */
  incremental?: { since: string | null; newCommits: number };
  /** Worker threads used for file scanning besides the calling thread (0: the calling thread alone). */
  workers: number;
  /** Files scanned by the worker threads; the calling thread scanned the others. */
  workerFiles: number;
}

export function emptyStats(): ScanStats {
  return {
    files: 0,
    bytes: 0,
    commits: 0,
    skippedBinary: 0,
    skippedLarge: 0,
    skippedUnreadable: 0,
    skippedSymlinks: 0,
    suppressed: { inline: 0, path: 0, pattern: 0, fingerprint: 0, baseline: 0 },
    durationMs: 0,
    workers: 0,
    workerFiles: 0,
  };
}

/** One line such as `scanned 12 new commits since abc1234 (3 files, 1.2 MB) in 0.4 s`. */
export function summaryLine(stats: ScanStats, findings: number): string {
  const parts: string[] = [];
  const size = formatBytes(stats.bytes);
  if (stats.incremental) {
    const since = stats.incremental.since
      ? ` since ${stats.incremental.since.slice(0, 12)}`
      : " (first scan of this repository)";
    parts.push(
      `scanned ${stats.incremental.newCommits} new commit${stats.incremental.newCommits === 1 ? "" : "s"}${since} (${stats.files} file changes, ${size})`,
    );
  } else if (stats.commits > 0) {
    parts.push(
      `scanned ${stats.commits} commit${stats.commits === 1 ? "" : "s"} (${stats.files} file changes, ${size})`,
    );
  } else {
    parts.push(`scanned ${stats.files} file${stats.files === 1 ? "" : "s"} (${size})`);
  }
  parts[0] += ` in ${(stats.durationMs / 1000).toFixed(2)} s`;
  const skipped: string[] = [];
  if (stats.skippedBinary) skipped.push(`${stats.skippedBinary} binary`);
  if (stats.skippedLarge) skipped.push(`${stats.skippedLarge} too large`);
  if (stats.skippedUnreadable) skipped.push(`${stats.skippedUnreadable} unreadable`);
  if (stats.skippedSymlinks) skipped.push(`${stats.skippedSymlinks} symlinks`);
  if (skipped.length) parts.push(`skipped ${skipped.join(", ")}`);
  const s = stats.suppressed;
  const suppressed = s.inline + s.path + s.pattern + s.fingerprint + s.baseline;
  if (suppressed)
    parts.push(
      `${suppressed} suppressed (${s.baseline} baseline, ${s.inline} inline, ${s.path + s.pattern + s.fingerprint} allowlist)`,
    );
  parts.push(findings === 0 ? "no findings" : `${findings} finding${findings === 1 ? "" : "s"}`);
  return parts.join("; ");
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`;
}
