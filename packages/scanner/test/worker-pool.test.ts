import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine, Finding, ScanOptions, ScanResult } from "../src/index.js";
import type { PoolOptions, PoolUsage } from "../src/sources/file-pool.js";
import type { FileEntry, FileScanResult } from "../src/sources/files.js";
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
type Pool = (
  files: readonly FileEntry[],
  pool: PoolOptions,
  onResult: (entry: FileEntry, result: FileScanResult) => void,
) => Promise<PoolUsage>;
let scanFromDist: Scan;
let poolFromDist: Pool;
let engineFromDist: () => Engine;
let filesFromDist: (dir: string) => Promise<{ files: FileEntry[] }>;
let dir: ReturnType<typeof tempDir>;
const planted: string[] = [];

beforeAll(async () => {
  execFileSync(process.execPath, [tsc, "-b", packageDir], { stdio: "pipe" });
  const dist = (await import(join(packageDir, "dist/index.js"))) as typeof import("../src/index.js");
  scanFromDist = dist.scan;
  engineFromDist = () => dist.createEngine(dist.selectDetectors());
  ({ scanFilesInParallel: poolFromDist } = (await import(join(packageDir, "dist/sources/file-pool.js"))) as {
    scanFilesInParallel: Pool;
  });
  ({ listFiles: filesFromDist } = (await import(join(packageDir, "dist/sources/files.js"))) as {
    listFiles: (dir: string) => Promise<{ files: FileEntry[] }>;
  });
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

/** Every file's findings through the pool, keyed by file, and the pool's usage. */
async function throughPool(workers: number, takeOver: boolean) {
  const { files } = await filesFromDist(dir.path);
  const results = new Map<string, string[]>();
  const usage = await poolFromDist(
    files,
    {
      engine: engineFromDist(),
      spec: { prefixes: [], disable: [] },
      options: { maxFileSize: 1e9, chunkSize: 64 * 1024 },
      workers,
      takeOver,
    },
    (entry, result) => {
      expect(results.has(entry.path), `${entry.path} reported twice`).toBe(false);
      results.set(
        entry.path,
        result.findings.map((f) => [f.line, f.column, f.detector, f.secret].join(" ")),
      );
    },
  );
  return { results, usage, files };
}

describe("worker threads", () => {
  it("report for every file what the calling thread reports", async () => {
    // Without taking over, the files sent to the workers while they start are theirs to scan.
    const pooled = await throughPool(2, false);
    const alone = await throughPool(0, false);
    expect(pooled.usage.workers).toBe(2);
    expect(pooled.usage.workerFiles).toBeGreaterThanOrEqual(4);
    expect(alone.usage).toEqual({ workers: 0, workerFiles: 0 });
    expect(pooled.results.size).toBe(pooled.files.length);
    expect(new Map([...pooled.results].sort())).toEqual(new Map([...alone.results].sort()));
  });

  it("report every file exactly once when the calling thread takes over waiting files", async () => {
    // Which thread scans which file depends on timing; what is reported must not.
    const alone = await throughPool(0, false);
    for (let round = 0; round < 3; round++) {
      const pooled = await throughPool(2, true);
      expect(pooled.usage.workers).toBe(2);
      expect(pooled.results.size).toBe(pooled.files.length);
      expect(new Map([...pooled.results].sort())).toEqual(new Map([...alone.results].sort()));
    }
  });

  it("find through scan() exactly what the calling thread finds", async () => {
    const common: ScanOptions = { source: { kind: "paths", paths: [dir.path] }, config: false, showSecrets: true };
    // A small chunk size sends the large files through the chunked path in the workers too.
    const inProcess = await scanFromDist({ ...common, workers: 0, chunkSize: 64 * 1024 });
    const pooled = await scanFromDist({ ...common, workers: 2, chunkSize: 64 * 1024 });
    expect(inProcess.stats.workers).toBe(0);
    expect(pooled.stats.workers).toBe(2);
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
