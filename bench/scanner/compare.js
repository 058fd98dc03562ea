// Scanner A/B: working-tree throughput of two builds of @tessera/scanner on the same generated
// tree, in one run, runs interleaved (A, B, A, B, ...) so that a change in the machine's load
// hits both alike. Bounded: a small tree (SCANNER_COMPARE_TREE_MB, default 40), no secretlint, no
// history. For refactors that must not cost speed:
//
//   cp -r packages/scanner/dist node_modules/.scanner-before   # before the change
//   ... change, npm run build ...
//   node bench/scanner/compare.js node_modules/.scanner-before
//
// The "before" copy must sit inside the repository (its imports resolve from node_modules).
// Figures: median MB/s of SCANNER_COMPARE_RUNS runs (default 5) on the calling thread
// (--workers 0, the figure a refactor of the scan path moves) and with the default settings
// (worker threads only for trees of 64 MB or more). On a shared machine, run it once with the same
// build on both sides (an A/A run) to see how much of a difference is noise.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { generateTree, MB } from "./corpus.js";

const TREE_MB = Number(process.env.SCANNER_COMPARE_TREE_MB ?? 40);
const RUNS = Math.max(1, Number(process.env.SCANNER_COMPARE_RUNS ?? 5));
const [beforeDir, afterDir = "packages/scanner/dist"] = process.argv.slice(2);
if (!beforeDir) {
  console.error("usage: node bench/scanner/compare.js <dist of the build before> [<dist after>]");
  process.exit(2);
}
const load = async (dir) => (await import(pathToFileURL(join(resolve(dir), "index.js")).href)).scan;
const builds = { before: await load(beforeDir), after: await load(afterDir) };

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const work = mkdtempSync(join(tmpdir(), "tessera-scan-compare-"));
try {
  const tree = join(work, "tree");
  mkdirSync(tree);
  const { files, bytes } = generateTree(tree, TREE_MB);
  console.log(
    `scanner A/B (node ${process.version}, ${availableParallelism()} cores): ${files.size} files, ${(bytes / MB).toFixed(0)} MB, median of ${RUNS} interleaved runs`,
  );
  for (const workers of [0, undefined]) {
    const seconds = { before: [], after: [] };
    const findings = {};
    let workersUsed = 0;
    // One untimed run each first: module loading, the engine cache and the page cache.
    for (const name of Object.keys(builds)) {
      await builds[name]({ source: { kind: "paths", paths: [tree] }, config: false, workers });
    }
    for (let i = 0; i < RUNS; i++) {
      for (const name of i % 2 === 0 ? ["before", "after"] : ["after", "before"]) {
        const started = performance.now();
        const result = await builds[name]({ source: { kind: "paths", paths: [tree] }, config: false, workers });
        seconds[name].push((performance.now() - started) / 1000);
        findings[name] = result.findings.length;
        workersUsed = result.stats.workers;
      }
    }
    // By default workers start only for scans of 128 files and 64 MB or more.
    const label =
      workers === 0 ? "calling thread (--workers 0)" : `default settings (${workersUsed} worker threads used)`;
    const line = (name) =>
      `${name.padEnd(6)} ${(bytes / MB / median(seconds[name])).toFixed(0).padStart(5)} MB/s  (runs ${seconds[name].map((s) => s.toFixed(2)).join(" ")} s; ${findings[name]} findings)`;
    const ratio = median(seconds.before) / median(seconds.after);
    console.log(`\n${label}:\n  ${line("before")}\n  ${line("after")}\n  after/before throughput: ${ratio.toFixed(3)}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
