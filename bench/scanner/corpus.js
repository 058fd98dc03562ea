// Synthetic corpus of the scanner benchmark: source-like files with planted credentials and
// look-alikes, and the scoring of findings against what was planted. Shared by run.js and
// profile.js.
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checksumOf, generateToken } from "../../packages/verifier/dist/index.js";

export const MB = 1024 * 1024;
const FILE_KB = 96;

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
export const rnd = (n) => Math.floor(Math.random() * n);
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
export const KINDS = [
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
  // Digits inside the value: a random base62 string with none, or with digits only at its end,
  // reads as a word or an identifier by the generic detector's rules (about 1 in 1,500 draws).
  ["generic", () => `    client_secret: "${r62(12)}${rnd(10)}${r62(11)}${rnd(10)}${r62(12)}",`],
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

export const BLOCKS = Array.from({ length: 64 }, () => {
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
export function makeFile(plants) {
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

export function score(findings, files) {
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

export function printScores(title, perDetector) {
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

/**
 * Writes files of about 96 KB (3 planted lines each) under `dir` until `megabytes` are written.
 * Returns the text of each file by path, for scoring.
 */
export function generateTree(dir, megabytes) {
  const files = new Map();
  let total = 0;
  let n = 0;
  while (total < megabytes * MB) {
    const sub = join(dir, `pkg${n % 40}`, `mod${Math.floor(n / 40) % 25}`);
    if (n < 1000) mkdirSync(sub, { recursive: true });
    const path = join(sub, `file${n}.ts`);
    const { text } = makeFile(3);
    writeFileSync(path, text);
    files.set(path, text);
    total += text.length;
    n++;
  }
  return { files, bytes: total };
}
