// A focused scanner workload for profiling: generates a tree of SCANNER_PROFILE_MB (default 20)
// once and scans it in-process SCANNER_PROFILE_RUNS times (default 5), printing MB/s per run.
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/scanner/profile.js
// Run after `npx tsc -b packages/scanner`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { scan } from "../../packages/scanner/dist/index.js";
import { generateTree, MB } from "./corpus.js";

const megabytes = Number(process.env.SCANNER_PROFILE_MB ?? 20);
const runs = Number(process.env.SCANNER_PROFILE_RUNS ?? 5);
const workers = Number(process.env.SCANNER_PROFILE_WORKERS ?? 0);
const dir = mkdtempSync(join(tmpdir(), "tessera-scanner-profile-"));
try {
  const { files } = generateTree(dir, megabytes);
  const paths = [...files.keys()];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const result = await scan({ source: { kind: "paths", paths }, config: false, workers });
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `run ${run + 1}: ${(result.stats.bytes / MB).toFixed(1)} MB in ${seconds.toFixed(3)} s = ${(result.stats.bytes / MB / seconds).toFixed(0)} MB/s, ${result.findings.length} findings`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
