/**
 * Scans many files on several cores: worker threads each build the same engine and take
 * batches of files from the main thread until none are left. By default workers are only started
 * for large scans; with few files, or when running from TypeScript sources (tests), files are
 * scanned on the calling thread instead.
 * @module
 */

import { existsSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { selectDetectors } from "../detectors/index.js";
import { createEngine } from "../engine.js";
import { type FileEntry, type FileScanOptions, type FileScanResult, scanFile } from "./files.js";

/** Below this many files, starting workers costs more than it saves (unless a count is asked for). */
export const MIN_FILES_FOR_WORKERS = 128;
/** Below this many bytes in total, likewise (starting a worker costs tens to hundreds of ms). */
export const MIN_BYTES_FOR_WORKERS = 64 * 1024 * 1024;
/** Most files sent to a worker at once. */
const MAX_BATCH = 32;
/**
 * Batches shrink towards the end of the list (to 1/`BATCHES_PER_WORKER` of what is left per
 * worker), so that no worker is still busy with a full batch while the others have nothing left.
 */
const BATCHES_PER_WORKER = 4;

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

/**
 * How many workers to start: `requested` when given (capped by the number of files), otherwise
 * one per core for large scans only; 0 or 1 means the calling thread.
 */
function workerCountFor(files: readonly FileEntry[], requested: number | undefined): number {
  if (!workersAvailable() || files.length < 2) return 0;
  if (requested !== undefined) return requested <= 1 ? 0 : Math.min(requested, files.length);
  if (files.length < MIN_FILES_FOR_WORKERS || totalSize(files) < MIN_BYTES_FOR_WORKERS) return 0;
  return defaultWorkerCount() <= 1 ? 0 : defaultWorkerCount();
}

/**
 * Scans `files` and reports each result through `onResult` (in completion order). Returns the
 * number of worker threads used, 0 when the files were scanned on the calling thread.
 * `requestedWorkers`: undefined for the default (workers for large scans only), 0 for none, or
 * a count, used whatever the size of the scan.
 */
export async function scanFilesInParallel(
  files: readonly FileEntry[],
  spec: EngineSpec,
  options: FileScanOptions,
  requestedWorkers: number | undefined,
  onResult: (entry: FileEntry, result: FileScanResult) => void,
): Promise<number> {
  const workerCount = workerCountFor(files, requestedWorkers);
  if (workerCount === 0) {
    const engine = createEngine(selectDetectors(spec));
    for (const entry of files) onResult(entry, scanFile(engine, entry, options));
    return 0;
  }
  let next = 0;
  const takeBatch = (): FileEntry[] => {
    const left = files.length - next;
    const size = Math.max(1, Math.min(MAX_BATCH, Math.ceil(left / (workerCount * BATCHES_PER_WORKER))));
    const batch = files.slice(next, next + size);
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
          const first = takeBatch();
          if (first.length === 0) {
            worker.postMessage({ done: true } satisfies WorkerRequest);
            finish();
          } else worker.postMessage({ files: first } satisfies WorkerRequest);
        }),
    ),
  );
  return workerCount;
}
