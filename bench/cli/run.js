// CLI start-up: whole-process wall time of help screens beside `node -e 0` in the same run,
// CLI_BENCH_RUNS interleaved rounds (default 15), median and range of each. Target (issue 17):
// every help screen < node + 0.3 s. Run after `npm run build`: `npm run bench -- cli`.
import { spawnSync } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";

const RUNS = Math.max(1, Number(process.env.CLI_BENCH_RUNS ?? 15));
const TESSERA = fileURLToPath(new URL("../../packages/authority/bin/tessera.js", import.meta.url));
const SCAN = fileURLToPath(new URL("../../packages/scanner/bin/tessera-scan.js", import.meta.url));
const commands = {
  "node -e 0": ["-e", "0"],
  "tessera --help": [TESSERA, "--help"],
  "tessera keys list --help": [TESSERA, "keys", "list", "--help"],
  "tessera-scan --help": [SCAN, "--help"],
};

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const names = Object.keys(commands);
const seconds = Object.fromEntries(names.map((name) => [name, []]));
for (const name of names) spawnSync(process.execPath, commands[name]); // the page cache
for (let round = 0; round < RUNS; round++) {
  for (const name of round % 2 === 0 ? names : [...names].reverse()) {
    const started = performance.now();
    const result = spawnSync(process.execPath, commands[name], { stdio: ["ignore", "ignore", "inherit"] });
    seconds[name].push((performance.now() - started) / 1000);
    if (result.status !== 0) throw new Error(`${name} exited ${result.status}`);
  }
}
const floor = median(seconds["node -e 0"]);
console.log(
  `CLI start-up, whole process (node ${process.version}, ${availableParallelism()} cores, load ${loadavg()[0].toFixed(1)}), median of ${RUNS} interleaved rounds:`,
);
for (const name of names) {
  const s = seconds[name];
  const over = median(s) - floor;
  const verdict =
    name === "node -e 0"
      ? "baseline"
      : `node + ${over.toFixed(3)} s (target < node + 0.3 s: ${over < 0.3 ? "met" : "NOT met"})`;
  console.log(
    `  ${name.padEnd(26)} ${median(s).toFixed(3)} s  (range ${Math.min(...s).toFixed(3)}-${Math.max(...s).toFixed(3)})  ${verdict}`,
  );
}
