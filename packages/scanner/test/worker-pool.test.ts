import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Finding, ScanOptions, ScanResult } from "../src/index.js";
import { checksummed, corrupt, random62, tempDir, tesseraToken } from "./helpers.js";

// Worker threads run the compiled worker module (plain Node cannot load the TypeScript sources),
// so this suite builds the package and scans through dist/.
const packageDir = fileURLToPath(new URL("..", import.meta.url));
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

/** A high-entropy value with letters and digits and no vowels, so never a stop word such as "todo". */
function genericSecret(): string {
  const alphabet = "BCDFGHJKLMNPQRSTVWZbcdfghjklmnpqrstvwz23456789";
  let value = "";
  for (const c of random62(34)) value += alphabet[c.charCodeAt(0) % alphabet.length];
  return `${value}7k`;
}

type Scan = (options: ScanOptions) => Promise<ScanResult>;
let scanFromDist: Scan;
let dir: ReturnType<typeof tempDir>;
const planted: string[] = [];

beforeAll(async () => {
  execFileSync(process.execPath, [tsc, "-b", packageDir], { stdio: "pipe" });
  ({ scan: scanFromDist } = (await import(join(packageDir, "dist/index.js"))) as { scan: Scan });
  dir = tempDir("tessera-scan-pool-");
  // 60 files of source-like filler with tokens, third-party credentials and look-alikes planted
  // at random lines, some files large enough to be read in several chunks.
  for (let f = 0; f < 60; f++) {
    const lines: string[] = [];
    const size = f % 10 === 0 ? 3000 : 200;
    for (let i = 0; i < size; i++) lines.push(`  const value${i} = compute(token, "${random62(12)}"); // secret ${i}`);
    const plants = [
      `export const API_KEY = "${tesseraToken()}";`,
      `refresh: ${tesseraToken("tsr")}`,
      `GITHUB_TOKEN=${checksummed("ghp_")}`,
      `const typo = "${corrupt(tesseraToken())}";`,
      `    client_secret: "${genericSecret()}",`,
    ];
    for (const plant of plants) {
      lines.splice(Math.floor(Math.random() * lines.length), 0, plant);
      const token = /(?:tsk|tsr)_[A-Za-z0-9]{38}/.exec(plant)?.[0];
      if (token !== undefined && !plant.includes("typo")) planted.push(token);
    }
    const sub = join(dir.path, `pkg${f % 4}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `file${f}.ts`), lines.join("\n"));
  }
}, 120_000);

afterAll(() => dir?.cleanup());

const comparable = (findings: Finding[]) =>
  findings.map((f) => [f.file, f.line, f.column, f.endColumn, f.detector, f.secret, f.fingerprint].join(" ")).sort();

describe("worker threads", () => {
  it("find exactly what the calling thread finds", async () => {
    const common = { source: { kind: "paths", paths: [dir.path] }, config: false, showSecrets: true } as const;
    // A small chunk size sends the large files through the chunked path in the workers too.
    const inProcess = await scanFromDist({ ...common, workers: 0, chunkSize: 64 * 1024 });
    const pooled = await scanFromDist({ ...common, workers: 2, chunkSize: 64 * 1024 });
    expect(inProcess.stats.workers).toBe(0);
    expect(pooled.stats.workers).toBe(2);
    // The workers are sent their first batches before the calling thread takes any.
    expect(pooled.stats.workerFiles).toBeGreaterThan(0);
    expect(pooled.stats.files).toBe(60);
    expect(pooled.stats.bytes).toBe(inProcess.stats.bytes);
    expect(comparable(pooled.findings)).toEqual(comparable(inProcess.findings));
    const tessera = pooled.findings.filter((f) => f.detector === "tessera").map((f) => f.secret);
    expect(tessera.sort()).toEqual([...planted].sort());
    expect(pooled.findings.filter((f) => f.detector === "github")).toHaveLength(60);
    expect(pooled.findings.filter((f) => f.detector === "generic")).toHaveLength(60);
  });

  it("are not started by default for a small scan", async () => {
    const result = await scanFromDist({ source: { kind: "paths", paths: [dir.path] }, config: false });
    expect(result.stats.workers).toBe(0);
    expect(result.stats.workerFiles).toBe(0);
    expect(result.findings.filter((f) => f.detector === "tessera")).toHaveLength(planted.length);
  });
});
