// History scan beside git itself: a generated history of SCANNER_HISTORY_COMMITS commits (default
// 2,000, the main scanner bench's), then SCANNER_HISTORY_RUNS interleaved rounds (default 5) of
//   - plain `git log -p -U0 --all` written to /dev/null (git alone, no reader),
//   - plain `git log -p -U0 --all` with its stdout drained by this process, as the scan's is,
//   - the exact `git log` command the scan runs (tips on stdin),
//   - scan() of the history in-process (git log included),
//   - the tessera-scan CLI as a child process (node start-up included),
// printing the median and range of each and the scan's ratio to both git figures.
// Target (issue 17): scan <= 1.5x plain git log. Run after `npm run build`:
//   node bench/scanner/history.js            (SCANNER_HISTORY_PROFILE=1 adds --cpu-prof hints)
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { scan } from "../../packages/scanner/dist/index.js";
import { BLOCKS, KINDS, MB, printScores, rnd, score } from "./corpus.js";

const COMMITS = Number(process.env.SCANNER_HISTORY_COMMITS ?? 2000);
const RUNS = Math.max(1, Number(process.env.SCANNER_HISTORY_RUNS ?? 5));
const CLI = fileURLToPath(new URL("../../packages/scanner/bin/tessera-scan.js", import.meta.url));
const SCAN_ARGS = [
  "-c",
  "core.quotePath=false",
  "log",
  "-p",
  "--no-color",
  "--no-ext-diff",
  "--no-textconv",
  "--no-renames",
  "-U0",
  "--format=%x00%H%x00%an%x00%ae%x00%aI",
  "--stdin",
];

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Runs a command with its stdout sent to /dev/null; resolves with its exit code. */
function toDevNull(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", openSync("/dev/null", "w"), "ignore"] });
    child.on("error", reject);
    child.on("close", resolve);
  });
}

/** Runs git with its stdout drained here; resolves with the bytes it wrote. */
function drainGit(args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, { stdio: ["pipe", "pipe", "inherit"] });
    let bytes = 0;
    child.stdout.on("data", (d) => {
      bytes += d.length;
    });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(bytes) : reject(new Error(`git exited ${code}`))));
    child.stdin.end(input ?? "");
  });
}

function generateHistory(repo) {
  execFileSync("git", ["init", "-q", repo]);
  const files = new Map();
  const chunks = [];
  for (let c = 0; c < COMMITS; c++) {
    const path = `src/area${c % 50}/file${c}.ts`;
    const block = BLOCKS[rnd(BLOCKS.length)];
    const start = rnd(block.length - 120);
    const lines = block.slice(start, start + 100 + rnd(20));
    const [, make] = KINDS[rnd(KINDS.length)];
    lines.splice(rnd(lines.length), 0, make());
    const text = `${lines.join("\n")}\n`;
    files.set(path, text);
    const data = Buffer.from(text);
    chunks.push(`blob\nmark :${c + 1}\ndata ${data.length}\n${text}\n`);
    const message = `commit ${c}`;
    chunks.push(
      `commit refs/heads/main\ncommitter Bench <bench@example.test> ${1700000000 + c * 60} +0000\ndata ${message.length}\n${message}\nM 100644 :${c + 1} ${path}\n\n`,
    );
  }
  execFileSync("git", ["-C", repo, "fast-import", "--quiet"], { input: chunks.join(""), maxBuffer: 1024 * MB });
  return files;
}

const work = mkdtempSync(join(tmpdir(), "tessera-history-bench-"));
try {
  const repo = join(work, "repo");
  mkdirSync(repo);
  const files = generateHistory(repo);
  const tips = `${execFileSync("git", ["-C", repo, "rev-parse", "--all"]).toString().trim()}\n`;
  const contenders = {
    "git log -p -U0 --all > /dev/null": () => toDevNull("git", ["-C", repo, "log", "-p", "-U0", "--all"]),
    "git log -p -U0 --all": () => drainGit(["-C", repo, "log", "-p", "-U0", "--all"]),
    "git log (the scan's exact command)": () => drainGit(["-C", repo, ...SCAN_ARGS], tips),
    "tessera scan (history, in-process)": () => scan({ source: { kind: "git", repo }, config: false }),
    "tessera-scan --git (whole process)": () => toDevNull(process.execPath, [CLI, "--git", repo, "--no-config"]),
  };
  const seconds = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  let last;
  for (const fn of Object.values(contenders)) last = await fn(); // warm the page cache and the engine
  const names = Object.keys(contenders);
  for (let round = 0; round < RUNS; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const started = performance.now();
      const result = await contenders[name]();
      seconds[name].push((performance.now() - started) / 1000);
      if (typeof result === "object") last = result;
    }
  }
  console.log(
    `history scan beside git (node ${process.version}, ${availableParallelism()} cores, load ${loadavg()[0].toFixed(1)}): ${last.stats.commits} commits, ${(last.stats.bytes / MB).toFixed(1)} MB added, median of ${RUNS} interleaved rounds`,
  );
  for (const name of names) {
    const s = seconds[name];
    console.log(
      `  ${name.padEnd(36)} ${median(s).toFixed(3)} s  (range ${Math.min(...s).toFixed(3)}-${Math.max(...s).toFixed(3)})`,
    );
  }
  const at = (name) => median(seconds[name]);
  const scanMedian = at("tessera scan (history, in-process)");
  const cliMedian = at("tessera-scan --git (whole process)");
  const plain = scanMedian / at("git log -p -U0 --all");
  console.log(
    `  scan / plain git log drained by node: ${plain.toFixed(2)}x (target <= 1.5x: ${plain <= 1.5 ? "met" : "NOT met"})`,
  );
  console.log(
    `  scan / plain git log to /dev/null: ${(scanMedian / at("git log -p -U0 --all > /dev/null")).toFixed(2)}x`,
  );
  console.log(
    `  scan / the scan's own git log: ${(scanMedian / at("git log (the scan's exact command)")).toFixed(2)}x`,
  );
  console.log(
    `  CLI (whole process) / plain git log to /dev/null: ${(cliMedian / at("git log -p -U0 --all > /dev/null")).toFixed(2)}x`,
  );
  printScores("recall and precision by detector:", score(last.findings, files));
} finally {
  rmSync(work, { recursive: true, force: true });
}
