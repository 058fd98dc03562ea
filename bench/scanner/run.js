// Scanner benchmark: throughput on a >= 200 MB working tree and a 2,000-commit history, beside
// secretlint (recommended preset) on the same files in the same run, and recall / precision on
// planted credentials and look-alikes. Run after `npm run build`: `npm run bench:scanner`.
//
// Machines are shared and noisy: every timing is the median of SCANNER_BENCH_RUNS runs (default 3).
// The comparison with secretlint is printed several ways, each labelled:
// - process vs process on a random subset of SCANNER_BENCH_SECRETLINT_MB (default 60): secretlint's
//   CLI and ours, each started as a child process on the same files, start-up included on both
//   sides (the like-for-like figure; the subset is large enough that start-up is a small share);
// - start-up subtracted: each CLI's time on one tiny file taken off its time on the subset;
// - in-process: our scan() inside this process (no start-up) against secretlint's process;
// - process vs process on the whole tree (secretlint once, about a minute; bounded by
//   SCANNER_BENCH_SECRETLINT_TIMEOUT_S, skipped with SCANNER_BENCH_SECRETLINT_FULL=0).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { scan } from "../../packages/scanner/dist/index.js";
import { BLOCKS, generateTree, KINDS, MB, printScores, rnd, score } from "./corpus.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TREE_MB = Number(process.env.SCANNER_BENCH_TREE_MB ?? 210);
const COMMITS = Number(process.env.SCANNER_BENCH_COMMITS ?? 2000);
const SECRETLINT_MB = Number(process.env.SCANNER_BENCH_SECRETLINT_MB ?? 60);
/** secretlint on the whole tree too (about a minute on our machines): set to 0 to skip. */
const SECRETLINT_FULL = process.env.SCANNER_BENCH_SECRETLINT_FULL !== "0";
const SECRETLINT_TIMEOUT_S = Number(process.env.SCANNER_BENCH_SECRETLINT_TIMEOUT_S ?? 300);
const RUNS = Math.max(1, Number(process.env.SCANNER_BENCH_RUNS ?? 3));
/** Worker threads for the "with workers" figures: one per core besides the calling thread's, as by default. */
const WORKERS = Math.max(1, Math.min(8, availableParallelism()) - 1);
const OUR_BIN = join(ROOT, "packages/scanner/dist/bin.js");
const SECRETLINT_BIN = join(ROOT, "node_modules/secretlint/bin/secretlint.js");

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Runs `fn` RUNS times: the median wall-clock duration in seconds, every duration, the median CPU
 * time of this process (all its threads; meaningful for in-process runs only, a child process's
 * CPU is not counted) and the last result.
 */
async function timed(fn, runs = RUNS) {
  const seconds = [];
  const cpu = [];
  let result;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    result = await fn();
    const used = process.cpuUsage(cpuStarted);
    seconds.push((performance.now() - started) / 1000);
    cpu.push((used.user + used.system) / 1e6);
  }
  return { seconds: median(seconds), all: seconds, cpu: median(cpu), result };
}

/**
 * CPU seconds used so far by this process's finished children (Linux: cutime + cstime in
 * /proc/self/stat, 100 ticks a second), or null elsewhere.
 */
function childCpuSeconds() {
  try {
    const fields = readFileSync("/proc/self/stat", "utf8").split(")").at(-1).trim().split(" ");
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return null;
  }
}

/**
 * Runs child-process measurements round by round (each in turn, RUNS rounds), so that a change
 * in the machine's load hits them all alike: per name, the median wall-clock seconds, every
 * duration and the median CPU seconds of the child (null when unknown).
 */
async function interleaved(fns, runs = RUNS) {
  const samples = Object.fromEntries(Object.keys(fns).map((name) => [name, { all: [], cpu: [] }]));
  for (let i = 0; i < runs; i++) {
    for (const [name, fn] of Object.entries(fns)) {
      const cpuStarted = childCpuSeconds();
      const started = performance.now();
      await fn();
      samples[name].all.push((performance.now() - started) / 1000);
      const cpuEnded = childCpuSeconds();
      if (cpuStarted !== null && cpuEnded !== null) samples[name].cpu.push(cpuEnded - cpuStarted);
    }
  }
  return Object.fromEntries(
    Object.entries(samples).map(([name, s]) => [
      name,
      { seconds: median(s.all), all: s.all, cpu: s.cpu.length === runs ? median(s.cpu) : null },
    ]),
  );
}

const spread = (t) => (t.all.length > 1 ? ` [runs: ${t.all.map((s) => s.toFixed(2)).join(", ")} s]` : "");
/** CPU time of an in-process run: on a loaded machine, MB per CPU-second varies less than MB/s. */
const cpuNote = (bytes, t) => `; CPU ${t.cpu.toFixed(2)} s = ${mbps(bytes, t.cpu).toFixed(0)} MB per CPU-second`;
const mbps = (bytes, seconds) => bytes / MB / seconds;

/** Runs a CLI as a child process from the repository root; fails loudly on an unexpected exit code. */
function runProcess(args, okCodes, { cwd = ROOT, timeout } = {}) {
  const child = spawnSync(process.execPath, args, { cwd, timeout, encoding: "utf8", maxBuffer: 512 * MB });
  if (child.error) throw child.error;
  if (!okCodes.includes(child.status)) {
    throw new Error(`${args[0]} exited with ${child.status}: ${(child.stderr || child.stdout).slice(0, 500)}`);
  }
  return child;
}

const work = mkdtempSync(join(tmpdir(), "tessera-scanner-bench-"));
try {
  console.log(
    `tessera scanner benchmark (node ${process.version}, ${availableParallelism()} cores, median of ${RUNS} runs)`,
  );
  // 1. Working tree.
  const tree = join(work, "tree");
  mkdirSync(tree);
  const t0 = performance.now();
  const { files, bytes: total } = generateTree(tree, TREE_MB);
  console.log(
    `generated ${files.size} files, ${(total / MB).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  const treeRun = await timed(() => scan({ source: { kind: "paths", paths: [tree] }, config: false }));
  const treeResult = treeRun.result;
  const treeMBps = mbps(treeResult.stats.bytes, treeRun.seconds);
  console.log(
    `\nworking tree: tessera-scan ${(treeResult.stats.bytes / MB).toFixed(0)} MB in ${treeRun.seconds.toFixed(2)} s = ${treeMBps.toFixed(0)} MB/s (default settings: the calling thread and ${treeResult.stats.workers} worker threads), ${treeResult.findings.length} findings${cpuNote(treeResult.stats.bytes, treeRun)}${spread(treeRun)}`,
  );
  const treeThreadRun = await timed(() =>
    scan({ source: { kind: "paths", paths: [tree] }, config: false, workers: 0 }),
  );
  console.log(
    `working tree: tessera-scan on the calling thread only (--workers 0): ${treeThreadRun.seconds.toFixed(2)} s = ${mbps(treeResult.stats.bytes, treeThreadRun.seconds).toFixed(0)} MB/s, ${treeThreadRun.result.findings.length} findings${cpuNote(treeResult.stats.bytes, treeThreadRun)}${spread(treeThreadRun)}`,
  );
  printScores(
    "working tree, recall and precision by detector (planted credentials and look-alikes):",
    score(treeResult.findings, files),
  );

  // 2. secretlint beside us on the same files, each CLI in its own process. secretlint is run
  // from the tree's directory (it lints only files under its working directory) with our
  // configuration file outside the tree, and writes the `unix` format (one line per finding): its
  // `json` format also embeds the full text of every file, work a scanner's report does not need.
  const lintDir = mkdtempSync(join(work, "lint-"));
  const tiny = join(lintDir, "tiny.ts");
  writeFileSync(tiny, "export const greeting = 'hello';\n");
  const rc = join(lintDir, ".secretlintrc.json");
  writeFileSync(rc, JSON.stringify({ rules: [{ id: "@secretlint/secretlint-rule-preset-recommend" }] }));
  const secretlint = (paths, out, cwd = tree, timeout) =>
    runProcess(
      [SECRETLINT_BIN, "--secretlintrc", rc, "--format", "unix", "--output", out, "--no-glob", ...paths],
      [0, 1],
      { cwd, timeout },
    );
  const lintFindingsIn = (out) => {
    try {
      return readFileSync(out, "utf8")
        .split("\n")
        .filter((line) => /:\d+:\d+: /.test(line)).length;
    } catch {
      return "?";
    }
  };
  const ourCli = (paths, workers, oursOut, cwd = tree) =>
    runProcess(
      [
        OUR_BIN,
        "--no-config",
        "--no-progress",
        "--format",
        "json",
        "--output",
        oursOut,
        ...(workers === undefined ? [] : ["--workers", String(workers)]),
        ...paths,
      ],
      [0, 1],
      { cwd },
    );
  const ourFindingsIn = (out) => JSON.parse(readFileSync(out, "utf8")).findings.length;
  const childCpu = (t) => (t.cpu === null ? "" : `; CPU ${t.cpu.toFixed(2)} s`);

  // 2a. A random subset, large enough that secretlint's start-up is a small part of its time.
  const all = [...files.keys()];
  const subset = [];
  let subsetBytes = 0;
  while (subsetBytes < SECRETLINT_MB * MB && all.length > 0) {
    const path = all.splice(rnd(all.length), 1)[0];
    subset.push(path);
    subsetBytes += files.get(path).length;
  }
  const subsetArgs = subset.map((p) => relative(tree, p));
  const lintOut = join(lintDir, "secretlint.txt");
  const threadOut = join(lintDir, "tessera-thread.json");
  const poolOut = join(lintDir, "tessera-pool.json");
  const runs = await interleaved({
    lint: () => secretlint(subsetArgs, lintOut),
    cliThread: () => ourCli(subsetArgs, 0, threadOut),
    cliPool: () => ourCli(subsetArgs, WORKERS, poolOut),
    lintStart: () => secretlint(["tiny.ts"], join(lintDir, "secretlint-tiny.txt"), lintDir),
    cliStart: () => ourCli(["tiny.ts"], 0, join(lintDir, "tessera-tiny.json"), lintDir),
  });
  const { lint: lintRun, cliThread: cliThreadRun, cliPool: cliPoolRun, lintStart, cliStart } = runs;
  const lintFindings = lintFindingsIn(lintOut);
  const threadRun = await timed(
    () => scan({ source: { kind: "paths", paths: subset }, config: false, workers: 0 }),
    Math.max(RUNS, 5),
  );
  const poolRun = await timed(
    () => scan({ source: { kind: "paths", paths: subset }, config: false, workers: WORKERS }),
    Math.max(RUNS, 5),
  );

  const row = (label, t, findings, note = "", bytes = subsetBytes) =>
    console.log(
      `  ${label.padEnd(58)} ${t.seconds.toFixed(3).padStart(7)} s = ${mbps(bytes, t.seconds).toFixed(1).padStart(6)} MB/s, ${String(findings).padStart(4)} findings${note}${spread(t)}`,
    );
  console.log(
    `\nsame files, a random subset: ${subset.length} files, ${(subsetBytes / MB).toFixed(1)} MB (every timing beside secretlint's in the same rounds)`,
  );
  row(
    "secretlint 11 (preset-recommend), own process",
    lintRun,
    lintFindings,
    `${childCpu(lintRun)} (its own rules' matches, not scored)`,
  );
  row("tessera-scan CLI, own process, calling thread", cliThreadRun, ourFindingsIn(threadOut), childCpu(cliThreadRun));
  row(
    `tessera-scan CLI, own process, calling thread + ${WORKERS} workers`,
    cliPoolRun,
    ourFindingsIn(poolOut),
    childCpu(cliPoolRun),
  );
  row(
    "tessera-scan scan() in this process, calling thread",
    threadRun,
    threadRun.result.findings.length,
    cpuNote(subsetBytes, threadRun),
  );
  row(
    `tessera-scan scan() in this process, calling thread + ${poolRun.result.stats.workers} workers`,
    poolRun,
    poolRun.result.findings.length,
    `${cpuNote(subsetBytes, poolRun)}; ${poolRun.result.stats.workerFiles} of ${poolRun.result.stats.files} files scanned by the workers`,
  );
  const startShare = (t, start) => `${((100 * start.seconds) / t.seconds).toFixed(0)}%`;
  console.log(
    `  process start-up (one tiny file): secretlint ${lintStart.seconds.toFixed(3)} s${childCpu(lintStart)} (${startShare(lintRun, lintStart)} of its time on the subset), tessera-scan ${cliStart.seconds.toFixed(3)} s${childCpu(cliStart)} (${startShare(cliThreadRun, cliStart)} of its time, calling thread)`,
  );
  const ratioTo = (lint) => (ours) => `${(lint.seconds / ours.seconds).toFixed(1)}x`;
  const ratio = ratioTo(lintRun);
  // Start-up varies from run to run; a difference smaller than a tenth of the run says nothing.
  const scanOnly = (t, start) => (t.seconds - start.seconds > t.seconds / 10 ? t.seconds - start.seconds : null);
  const lintScanOnly = scanOnly(lintRun, lintStart);
  const scanOnlyRatio = (t, start) => {
    const ours = scanOnly(t, start);
    return lintScanOnly === null || ours === null
      ? "n/a (start-up varied more than the scan took)"
      : `${(lintScanOnly / ours).toFixed(1)}x`;
  };
  console.log("\n  ratios to secretlint on the subset (higher is faster):");
  console.log(
    `    process vs process, start-up included on both sides:   calling thread ${ratio(cliThreadRun)}, + ${WORKERS} workers ${ratio(cliPoolRun)}`,
  );
  if (lintRun.cpu !== null && cliThreadRun.cpu !== null && cliPoolRun.cpu !== null) {
    console.log(
      `    process vs process in CPU time (less sensitive to load): calling thread ${(lintRun.cpu / cliThreadRun.cpu).toFixed(1)}x, + ${WORKERS} workers ${(lintRun.cpu / cliPoolRun.cpu).toFixed(1)}x`,
    );
  }
  console.log(
    `    start-up subtracted from both (scanning only):         calling thread ${scanOnlyRatio(cliThreadRun, cliStart)}, + ${WORKERS} workers ${scanOnlyRatio(cliPoolRun, cliStart)}${lintScanOnly === null ? "" : ` (secretlint scanning only: ${mbps(subsetBytes, lintScanOnly).toFixed(1)} MB/s)`}`,
  );
  console.log(
    `    our scan() in-process vs secretlint's process:          calling thread ${ratio(threadRun)}, + ${poolRun.result.stats.workers} workers ${ratio(poolRun)}`,
  );

  // 2b. The whole tree, each CLI once per round as a user would run it (secretlint once: it takes
  // about a minute here; bounded by SCANNER_BENCH_SECRETLINT_TIMEOUT_S).
  let fullRatio = null;
  if (SECRETLINT_FULL) {
    const treeArgs = [...files.keys()].map((p) => relative(tree, p));
    const fullLintOut = join(lintDir, "secretlint-full.txt");
    const fullOut = join(lintDir, "tessera-full.json");
    const fullThreadOut = join(lintDir, "tessera-full-thread.json");
    let lintFull = null;
    const cpuStarted = childCpuSeconds();
    const started = performance.now();
    try {
      secretlint(treeArgs, fullLintOut, tree, SECRETLINT_TIMEOUT_S * 1000);
      const cpuEnded = childCpuSeconds();
      lintFull = {
        seconds: (performance.now() - started) / 1000,
        all: [],
        cpu: cpuStarted === null || cpuEnded === null ? null : cpuEnded - cpuStarted,
      };
    } catch (error) {
      if (error.code !== "ETIMEDOUT") throw error;
    }
    const fullRuns = await interleaved({
      cliDefault: () => ourCli(treeArgs, undefined, fullOut),
      cliThread: () => ourCli(treeArgs, 0, fullThreadOut),
    });
    console.log(`\nsame files, the whole tree: ${files.size} files, ${(total / MB).toFixed(0)} MB, one process each`);
    if (lintFull !== null) {
      row(
        "secretlint 11 (preset-recommend), own process, one run",
        lintFull,
        lintFindingsIn(fullLintOut),
        childCpu(lintFull),
        total,
      );
    } else {
      console.log(`  secretlint 11 (preset-recommend): stopped after ${SECRETLINT_TIMEOUT_S} s without finishing`);
    }
    row(
      "tessera-scan CLI, own process, default settings",
      fullRuns.cliDefault,
      ourFindingsIn(fullOut),
      childCpu(fullRuns.cliDefault),
      total,
    );
    row(
      "tessera-scan CLI, own process, calling thread",
      fullRuns.cliThread,
      ourFindingsIn(fullThreadOut),
      childCpu(fullRuns.cliThread),
      total,
    );
    const lintFullSeconds = lintFull?.seconds ?? SECRETLINT_TIMEOUT_S;
    const atLeast = lintFull === null ? "at least " : "";
    fullRatio = lintFullSeconds / fullRuns.cliDefault.seconds;
    console.log(
      `  process vs process on the whole tree: default settings ${atLeast}${fullRatio.toFixed(1)}x, calling thread ${atLeast}${(lintFullSeconds / fullRuns.cliThread.seconds).toFixed(1)}x`,
    );
    const lintSubsetMBps = mbps(subsetBytes, lintRun.seconds);
    const lintFullMBps = mbps(total, lintFullSeconds);
    console.log(
      `  secretlint's throughput: ${lintSubsetMBps.toFixed(1)} MB/s on the subset, ${lintFullMBps.toFixed(1)} MB/s on the whole tree${lintFullMBps < 0.8 * lintSubsetMBps ? " (it slows down as one run grows: its built-in profiler compares each performance mark with every earlier one, so the whole-tree ratio is larger than per-MB speed alone would give; the subset ratio is the conservative figure)" : ""}`,
    );
  }

  // 3. Git history via fast-import.
  const repo = join(work, "repo");
  mkdirSync(repo);
  execFileSync("git", ["init", "-q", repo]);
  const historyFiles = new Map();
  const chunks = [];
  let mark = 0;
  for (let c = 0; c < COMMITS; c++) {
    const path = `src/area${c % 50}/file${c}.ts`;
    const block = BLOCKS[rnd(BLOCKS.length)];
    const start = rnd(block.length - 120);
    const lines = block.slice(start, start + 100 + rnd(20));
    const [, make] = KINDS[rnd(KINDS.length)];
    lines.splice(rnd(lines.length), 0, make());
    const text = `${lines.join("\n")}\n`;
    historyFiles.set(path, text);
    const data = Buffer.from(text);
    mark++;
    chunks.push(`blob\nmark :${mark}\ndata ${data.length}\n${text}\n`);
    const when = 1700000000 + c * 60;
    const message = `commit ${c}`;
    chunks.push(
      `commit refs/heads/main\ncommitter Bench <bench@example.test> ${when} +0000\ndata ${message.length}\n${message}\nM 100644 :${mark} ${path}\n\n`,
    );
  }
  const g0 = performance.now();
  execFileSync("git", ["-C", repo, "fast-import", "--quiet"], { input: chunks.join(""), maxBuffer: 1024 * MB });
  console.log(`\ngenerated a history of ${COMMITS} commits in ${((performance.now() - g0) / 1000).toFixed(1)} s`);
  const historyRun = await timed(() => scan({ source: { kind: "git", repo }, config: false }));
  const history = historyRun.result;
  console.log(
    `git history: tessera-scan ${history.stats.commits} commits, ${(history.stats.bytes / MB).toFixed(1)} MB of added lines in ${historyRun.seconds.toFixed(2)} s = ${mbps(history.stats.bytes, historyRun.seconds).toFixed(0)} MB/s (${(history.stats.commits / historyRun.seconds).toFixed(0)} commits/s, git log -p included)${spread(historyRun)}` +
      "   (beside git's own log -p, interleaved: node bench/scanner/history.js)",
  );
  printScores("git history, recall and precision by detector:", score(history.findings, historyFiles));

  const met = (ok) => (ok ? "met" : "NOT met");
  const treeThreadMBps = mbps(treeResult.stats.bytes, treeThreadRun.seconds);
  console.log(
    `\ntargets: >= 100 MB/s on the working tree: ${met(treeMBps >= 100)} with default settings (${treeMBps.toFixed(0)} MB/s), ${met(treeThreadMBps >= 100)} on the calling thread alone (${treeThreadMBps.toFixed(0)} MB/s); per CPU-second: ${mbps(treeResult.stats.bytes, treeRun.cpu).toFixed(0)} and ${mbps(treeResult.stats.bytes, treeThreadRun.cpu).toFixed(0)} MB`,
  );
  console.log(
    `         >= 10x secretlint, process vs process on the ${(subsetBytes / MB).toFixed(0)} MB subset: ${met(lintRun.seconds / cliThreadRun.seconds >= 10)} on the calling thread (${ratio(cliThreadRun)}), ${met(lintRun.seconds / cliPoolRun.seconds >= 10)} with ${WORKERS} workers (${ratio(cliPoolRun)})`,
  );
  if (fullRatio !== null) {
    console.log(
      `         >= 10x secretlint, process vs process on the whole tree: ${met(fullRatio >= 10)} with default settings (${fullRatio.toFixed(1)}x; see the note on secretlint's slowdown above)`,
    );
  }
  console.log(
    `         >= 10x secretlint, our scan() in-process on the subset: ${met(lintRun.seconds / threadRun.seconds >= 10)} on the calling thread (${ratio(threadRun)}), ${met(lintRun.seconds / poolRun.seconds >= 10)} with ${poolRun.result.stats.workers} workers (${ratio(poolRun)})`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
