/**
 * Scans many files on several cores: worker threads each build the same engine and take
 * batches of files from the main thread until none are left. With few files, or when running
 * from TypeScript sources (tests), files are scanned on the calling thread instead.
 * @module
 */

import { existsSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { selectDetectors } from "../detectors/index.js";
import { createEngine } from "../engine.js";
import { type FileEntry, type FileScanOptions, type FileScanResult, scanFile } from "./files.js";

/** Below this many files, starting workers costs more than it saves. */
export const MIN_FILES_FOR_WORKERS = 128;
/** Below this many bytes in total, likewise (starting a worker costs tens to hundreds of ms). */
export const MIN_BYTES_FOR_WORKERS = 64 * 1024 * 1024;
const BATCH = 32;

export interface EngineSpec {
  prefixes: string[];
  disable: string[];
}

export interface WorkerInit {
  spec: EngineSpec;
  options: FileScanOptions;
}

export type WorkerRequest = { files: FileEntry[] } | { done: true };
export type WorkerReply = { results: { entry: FileEntry; result: FileScanResult }[] } | { fatal: string };

const workerUrl = new URL("./file-worker.js", import.meta.url);

/** True when the compiled worker module is there (false when running from .ts sources). */
export function workersAvailable(): boolean {
  return import.meta.url.endsWith(".js") && existsSync(fileURLToPath(workerUrl));
}

/** Number of workers to use by default: one per core, at most 8. */
export function defaultWorkerCount(): number {
  return Math.min(8, availableParallelism());
}

function totalSize(files: readonly FileEntry[]): number {
  let total = 0;
  for (const file of files) {
    total += statSync(file.path, { throwIfNoEntry: false })?.size ?? 0;
    if (total >= MIN_BYTES_FOR_WORKERS) break;
  }
  return total;
}

export async function scanFilesInParallel(
  files: readonly FileEntry[],
  spec: EngineSpec,
  options: FileScanOptions,
  requestedWorkers: number,
  onResult: (entry: FileEntry, result: FileScanResult) => void,
): Promise<number> {
  const workerCount = Math.min(requestedWorkers, Math.ceil(files.length / BATCH));
  if (
    workerCount <= 1 ||
    files.length < MIN_FILES_FOR_WORKERS ||
    !workersAvailable() ||
    totalSize(files) < MIN_BYTES_FOR_WORKERS
  ) {
    const engine = createEngine(selectDetectors(spec));
    for (const entry of files) onResult(entry, scanFile(engine, entry, options));
    return 0;
  }
  let next = 0;
  const takeBatch = (): FileEntry[] => {
    const batch = files.slice(next, next + BATCH);
    next += batch.length;
    return batch;
  };
  const init: WorkerInit = { spec, options };
  await Promise.all(
    Array.from(
      { length: workerCount },
      () =>
        new Promise<void>((resolve, reject) => {
          const worker = new Worker(workerUrl, { workerData: init });
          let settled = false;
          const finish = (error?: Error) => {
            if (settled) return;
            settled = true;
            void worker.terminate();
            if (error) reject(error);
            else resolve();
          };
          worker.on("message", (reply: WorkerReply) => {
            if ("fatal" in reply) return finish(new Error(`scanner worker failed: ${reply.fatal}`));
            for (const { entry, result } of reply.results) onResult(entry, result);
            const batch = takeBatch();
            if (batch.length === 0) {
              worker.postMessage({ done: true } satisfies WorkerRequest);
              finish();
            } else worker.postMessage({ files: batch } satisfies WorkerRequest);
          });
          worker.on("error", (error) => finish(error));
          worker.on("exit", (code) =>
            finish(code === 0 ? undefined : new Error(`scanner worker exited with code ${code}`)),
          );
          worker.postMessage({ files: takeBatch() } satisfies WorkerRequest);
        }),
    ),
  );
  return workerCount;
}
