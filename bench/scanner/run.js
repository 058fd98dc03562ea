// Scanner benchmark: throughput on a >= 200 MB working tree and a 2,000-commit history, beside
// secretlint (recommended preset) on the same files in the same run, and recall / precision on
// planted credentials and look-alikes. Run after `npm run build`: `npm run bench:scanner`.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { scan } from "../../packages/scanner/dist/index.js";
import { checksumOf, generateToken } from "../../packages/verifier/dist/index.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TREE_MB = Number(process.env.SCANNER_BENCH_TREE_MB ?? 210);
const FILE_KB = 96;
const COMMITS = Number(process.env.SCANNER_BENCH_COMMITS ?? 2000);
const SECRETLINT_MB = Number(process.env.SCANNER_BENCH_SECRETLINT_MB ?? 20);
const MB = 1024 * 1024;

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const rnd = (n) => Math.floor(Math.random() * n);
const r62 = (n) => {
  const b = randomBytes(n);
  let s = "";
  for (let i = 0; i < n; i++) s += BASE62[b[i] % 62];
  return s;
};
const tessera = (prefix = "tsk") => generateToken(prefix, (n) => randomBytes(n));
const corrupt = (t) => t.slice(0, -1) + (t.at(-1) === "A" ? "B" : "A");
const github = () => {
  const body = r62(30);
  return `ghp_${body}${checksumOf(body)}`;
};

// Planted items: `detector` is what must be found on that line, null for look-alikes.
const KINDS = [
  ["tessera", () => `export const API_KEY = "${tessera()}";`],
  ["tessera", () => `refresh: ${tessera("tsr")}`],
  ["tessera", () => `curl -H "Authorization: Bearer ${tessera()}" https://api.example.com`],
  [null, () => `const key = "${corrupt(tessera())}"; // checksum typo`],
  [null, () => `const key = "tsk_${r62(38)}";`],
  [null, () => `prefix tsk_${r62(30)} short`],
  [null, () => `id tsk_${r62(45)} long`],
  ["github", () => `GITHUB_TOKEN=${github()}`],
  [null, () => `GITHUB_TOKEN=${corrupt(github())}`],
  [
    "aws",
    () =>
      `aws_access_key_id = AKIA${"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[rnd(32)]}${Array.from({ length: 15 }, () => "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[rnd(32)]).join("")} ; aws_secret_access_key = ${r62(18)}/${r62(21)}`,
  ],
  ["stripe", () => `stripe.key = "sk_live_${r62(32)}"`],
  ["slack", () => `SLACK_BOT_TOKEN=xoxb-${1e11 + rnd(1e11)}-${1e12 + rnd(1e12)}-${r62(24)}`],
  ["database-url", () => `DATABASE_URL=postgres://app:${r62(20)}@db.internal:5432/app`],
  ["generic", () => `    client_secret: "${r62(36)}",`],
  [
    "jwt",
    () =>
      `const jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.${Buffer.from(JSON.stringify({ sub: r62(8), iat: 1 })).toString("base64url")}.${r62(43)}";`,
  ],
  [null, () => `const requestId = "${crypto.randomUUID()}"; const token = "${crypto.randomUUID()}";`],
  [null, () => `secret_sha256 = "${randomBytes(32).toString("hex")}"`],
  [null, () => `password = "changeme"`],
  [null, () => `api_key = "\${API_KEY}"`],
  [null, () => `image: "data:image/png;base64,${randomBytes(300).toString("base64")}"`],
  [null, () => `aws_access_key_id = AKIAIOSFODNN7EXAMPLE # docs example`],
];

const WORDS =
  "const let return function value result data item index string number object token secret key auth user config request response handler error options password session client server cache query params headers".split(
    " ",
  );
function fillerLine() {
  const w = () => WORDS[rnd(WORDS.length)];
  switch (rnd(8)) {
    case 0:
      return `// ${w()} ${w()} ${w()} ${w()} ${w()} ${w()} ${w()}`;
    case 1:
      return `import { ${w()}, ${w()} } from "./${w()}.js";`;
    case 2:
      return `export function ${w()}${rnd(100)}(${w()}, ${w()}) {`;
    case 3:
      return `  const ${w()}${rnd(1000)} = ${w()}.${w()}(${rnd(1e6)}, "${w()} ${w()}");`;
    case 4:
      return `  if (${w()} === ${w()}) return ${w()}[${rnd(100)}];`;
    case 5:
      return `  ${w()}: ${w()}Type; // ${w()}`;
    case 6:
      return "}";
    default:
      return `  await ${w()}.${w()}({ ${w()}: ${w()}, ${w()}: ${rnd(1e9)} });`;
  }
}

const BLOCKS = Array.from({ length: 64 }, () => {
  const lines = [];
  let size = 0;
  while (size < FILE_KB * 1024) {
    const line = fillerLine();
    lines.push(line);
    size += line.length + 1;
  }
  return lines;
});

/** A file: a filler block with a few planted lines; returns the text and the truth per line. */
function makeFile(plants) {
  const lines = BLOCKS[rnd(BLOCKS.length)].slice();
  const truth = [];
  for (let i = 0; i < plants; i++) {
    const [detector, make] = KINDS[rnd(KINDS.length)];
    const at = rnd(lines.length);
    lines.splice(at, 0, make());
    truth.push({ at, detector });
  }
  // Lines shift as later plants are inserted above earlier ones: recompute final positions.
  const text = lines.join("\n");
  return { text, truth };
}

/** The expected detector of a planted line (null for a look-alike), undefined for filler. */
function classify(line) {
  if (
    line.includes("checksum typo") ||
    line.startsWith("prefix tsk_") ||
    line.startsWith("id tsk_") ||
    /^const key = "tsk_/.test(line)
  )
    return null;
  if (line.startsWith("export const API_KEY") || line.startsWith("refresh: ") || line.startsWith("curl -H"))
    return "tessera";
  if (line.startsWith("GITHUB_TOKEN=")) return null; // decided by checksum below
  if (line.startsWith("aws_access_key_id = AKIAIOSFODNN7EXAMPLE")) return null;
  if (line.startsWith("aws_access_key_id")) return "aws";
  if (line.startsWith("stripe.key")) return "stripe";
  if (line.startsWith("SLACK_BOT_TOKEN")) return "slack";
  if (line.startsWith("DATABASE_URL")) return "database-url";
  if (line.startsWith("    client_secret")) return "generic";
  if (line.startsWith("const jwt")) return "jwt";
  if (
    line.startsWith("const requestId") ||
    line.startsWith("secret_sha256") ||
    line.startsWith("password = ") ||
    line.startsWith("api_key = ") ||
    line.startsWith("image: ")
  )
    return null;
  return undefined;
}

function githubTruth(line) {
  const m = /^GITHUB_TOKEN=ghp_([A-Za-z0-9]{30})([A-Za-z0-9]{6})$/.exec(line);
  return m && checksumOf(m[1]) === m[2] ? "github" : null;
}

function score(findings, files) {
  // files: Map display path -> text
  const expected = new Map();
  for (const [file, text] of files) {
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      let d = classify(lines[i]);
      if (lines[i].startsWith("GITHUB_TOKEN=")) d = githubTruth(lines[i]);
      if (d) expected.set(`${file}:${i + 1}`, d);
    }
  }
  const perDetector = {};
  const bump = (d, k) => {
    perDetector[d] ??= { tp: 0, fp: 0, fn: 0 };
    perDetector[d][k]++;
  };
  const found = new Set();
  for (const f of findings) {
    const key = `${f.file}:${f.line}`;
    if (expected.get(key) === f.detector) {
      if (!found.has(key)) bump(f.detector, "tp");
      found.add(key);
    } else bump(f.detector, "fp");
  }
  for (const [key, d] of expected) if (!found.has(key)) bump(d, "fn");
  return perDetector;
}

function ratio(a, b) {
  return b === 0 ? "n/a" : (a / b).toFixed(3);
}

function printScores(title, perDetector) {
  console.log(`\n${title}`);
  console.log("  detector        planted  found  false+  recall  precision");
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const [d, s] of Object.entries(perDetector).sort()) {
    tp += s.tp;
    fp += s.fp;
    fn += s.fn;
    console.log(
      `  ${d.padEnd(14)} ${String(s.tp + s.fn).padStart(8)} ${String(s.tp).padStart(6)} ${String(s.fp).padStart(7)}  ${ratio(s.tp, s.tp + s.fn).padStart(6)}  ${ratio(s.tp, s.tp + s.fp).padStart(9)}`,
    );
  }
  console.log(
    `  ${"all".padEnd(14)} ${String(tp + fn).padStart(8)} ${String(tp).padStart(6)} ${String(fp).padStart(7)}  ${ratio(tp, tp + fn).padStart(6)}  ${ratio(tp, tp + fp).padStart(9)}`,
  );
}

const work = mkdtempSync(join(tmpdir(), "tessera-scanner-bench-"));
const cleanups = [];
try {
  console.log(`tessera scanner benchmark (node ${process.version}, ${availableParallelism()} cores)`);
  // 1. Working tree.
  const tree = join(work, "tree");
  mkdirSync(tree);
  const files = new Map();
  let total = 0;
  let n = 0;
  const t0 = performance.now();
  while (total < TREE_MB * MB) {
    const sub = join(tree, `pkg${n % 40}`, `mod${Math.floor(n / 40) % 25}`);
    if (n < 1000) mkdirSync(sub, { recursive: true });
    const path = join(sub, `file${n}.ts`);
    const { text } = makeFile(3);
    writeFileSync(path, text);
    files.set(path, text);
    total += text.length;
    n++;
  }
  console.log(
    `generated ${n} files, ${(total / MB).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  const s0 = performance.now();
  const treeResult = await scan({ source: { kind: "paths", paths: [tree] }, config: false });
  const treeSeconds = (performance.now() - s0) / 1000;
  const treeMBps = treeResult.stats.bytes / MB / treeSeconds;
  console.log(
    `\nworking tree: tessera-scan ${(treeResult.stats.bytes / MB).toFixed(0)} MB in ${treeSeconds.toFixed(2)} s = ${treeMBps.toFixed(0)} MB/s (${treeResult.stats.workers} worker threads), ${treeResult.findings.length} findings`,
  );
  printScores(
    "working tree, recall and precision by detector (planted credentials and look-alikes):",
    score(treeResult.findings, files),
  );

  // 2. secretlint on a random subset of the same files, and us on the same subset.
  const all = [...files.keys()];
  const subset = [];
  let subsetBytes = 0;
  while (subsetBytes < SECRETLINT_MB * MB && all.length > 0) {
    const path = all.splice(rnd(all.length), 1)[0];
    subset.push(path);
    subsetBytes += files.get(path).length;
  }
  // secretlint only lints files under its working directory and resolves its preset from there:
  // copy the subset under bench/scanner/ (removed at the end) and run it from the repository root.
  const subsetDir = mkdtempSync(join(ROOT, "bench/scanner/.work-"));
  cleanups.push(() => rmSync(subsetDir, { recursive: true, force: true }));
  const subsetCopies = subset.map((p, i) => {
    const copy = join(subsetDir, `f${i}.ts`);
    writeFileSync(copy, files.get(p));
    return copy;
  });
  const rc = join(subsetDir, ".secretlintrc.json");
  writeFileSync(rc, JSON.stringify({ rules: [{ id: "@secretlint/secretlint-rule-preset-recommend" }] }));
  const secretlintBin = join(ROOT, "node_modules/secretlint/bin/secretlint.js");
  const l0 = performance.now();
  const lint = spawnSync(
    process.execPath,
    [
      secretlintBin,
      "--secretlintrc",
      rc,
      "--format",
      "json",
      "--output",
      join(subsetDir, "secretlint.json"),
      "--no-glob",
      ...subsetCopies.map((p) => relative(ROOT, p)),
    ],
    {
      cwd: ROOT,
      encoding: "utf8",
      maxBuffer: 512 * MB,
    },
  );
  const lintSeconds = (performance.now() - l0) / 1000;
  let lintFindings = "?";
  try {
    lintFindings = JSON.parse(readFileSync(join(subsetDir, "secretlint.json"), "utf8")).reduce(
      (sum, r) => sum + r.messages.length,
      0,
    );
  } catch {
    console.log(`secretlint output not parsed (exit ${lint.status}): ${(lint.stderr || lint.stdout).slice(0, 500)}`);
  }
  const lintMBps = subsetBytes / MB / lintSeconds;
  const o0 = performance.now();
  const ours = await scan({ source: { kind: "paths", paths: subset }, config: false });
  const oursSubsetSeconds = (performance.now() - o0) / 1000;
  const oursSubsetMBps = subsetBytes / MB / oursSubsetSeconds;
  console.log(
    `\nsame files, random subset of ${subset.length} files (${(subsetBytes / MB).toFixed(1)} MB; secretlint on all ${(total / MB).toFixed(0)} MB would take too long):`,
  );
  console.log(
    `  secretlint 11 (preset-recommend): ${lintSeconds.toFixed(2)} s = ${lintMBps.toFixed(1)} MB/s, ${lintFindings} findings (process start included; its findings include its own rules' matches, not scored)`,
  );
  console.log(
    `  tessera-scan on the subset:       ${oursSubsetSeconds.toFixed(2)} s (in-process, no process start) = ${oursSubsetMBps.toFixed(0)} MB/s, ${ours.findings.length} findings`,
  );
  console.log(
    `  ratio on the subset: ${(oursSubsetMBps / lintMBps).toFixed(1)}x; full-tree tessera-scan vs secretlint: ${(treeMBps / lintMBps).toFixed(1)}x`,
  );

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
      `commit refs/heads/main\ncommitter Bench <bench@example.test> ${when} +0000\ndata ${message.length}\n${message}\n${c > 0 ? "" : ""}M 100644 :${mark} ${path}\n\n`,
    );
  }
  const g0 = performance.now();
  execFileSync("git", ["-C", repo, "fast-import", "--quiet"], { input: chunks.join(""), maxBuffer: 1024 * MB });
  console.log(`\ngenerated a history of ${COMMITS} commits in ${((performance.now() - g0) / 1000).toFixed(1)} s`);
  const h0 = performance.now();
  const history = await scan({ source: { kind: "git", repo }, config: false });
  const historySeconds = (performance.now() - h0) / 1000;
  console.log(
    `git history: tessera-scan ${history.stats.commits} commits, ${(history.stats.bytes / MB).toFixed(1)} MB of added lines in ${historySeconds.toFixed(2)} s = ${(history.stats.bytes / MB / historySeconds).toFixed(0)} MB/s (${(history.stats.commits / historySeconds).toFixed(0)} commits/s, git log -p included)`,
  );
  printScores("git history, recall and precision by detector:", score(history.findings, historyFiles));

  console.log(
    `\ntargets: >= 100 MB/s on the working tree: ${treeMBps >= 100 ? "met" : "NOT met"}; >= 10x secretlint: ${treeMBps / lintMBps >= 10 ? "met" : "NOT met"}`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
  for (const cleanup of cleanups) cleanup();
}
