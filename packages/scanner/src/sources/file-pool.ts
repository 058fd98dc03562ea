/**
 * Scans many files on several cores. The calling thread scans from the first moment; worker
 * threads (each with the same engine) join as soon as they have started, and every thread takes
 * batches of files from one list until none are left. Each file is claimed in a shared array
 * before it is scanned, so when the list runs out the calling thread takes over the files still
 * waiting in workers' batches (a worker that is slow to start, or still cold, holds nothing back)
 * and no file is scanned twice. By default workers are only started for large scans; when running
 * from TypeScript sources (tests) there are none.
 * @module
 */

import { existsSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import type { Engine } from "../engine.js";
import {
  BatchQueue,
  CLAIMED_BY_CALLER,
  claim,
  type EngineSpec,
  type QueuedFile,
  type WorkerInit,
} from "./pool-protocol.js";
import { startWorker } from "./pool-worker.js";
import { type FileEntry, type FileScanOptions, type FileScanResult, scanFile } from "./scan-file.js";

export type { EngineSpec } from "./pool-protocol.js";

/** Below this many files, starting workers costs more than it saves (unless a count is asked for). */
export const MIN_FILES_FOR_WORKERS = 128;
/** Below this many bytes in total, likewise (starting a worker costs tens to hundreds of ms). */
export const MIN_BYTES_FOR_WORKERS = 64 * 1024 * 1024;

const workerUrl = new URL("./file-worker.js", import.meta.url);

/** True when the compiled worker module is there (false when running from .ts sources). */
export function workersAvailable(): boolean {
  return import.meta.url.endsWith(".js") && existsSync(fileURLToPath(workerUrl));
}

/** Workers started by default for a large scan: one per core besides the calling thread's, 7 at most. */
export function defaultWorkerCount(): number {
  return Math.min(8, availableParallelism()) - 1;
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
 * {@link defaultWorkerCount} for large scans only.
 */
function workerCountFor(files: readonly FileEntry[], requested: number | undefined): number {
  if (!workersAvailable() || files.length < 2) return 0;
  if (requested !== undefined) return Math.max(0, Math.min(requested, files.length - 1));
  if (files.length < MIN_FILES_FOR_WORKERS || totalSize(files) < MIN_BYTES_FOR_WORKERS) return 0;
  return Math.max(0, defaultWorkerCount());
}

/** Threads used by {@link scanFilesInParallel}. */
export interface PoolUsage {
  /** Worker threads started besides the calling thread (0: the calling thread alone). */
  workers: number;
  /** Files scanned by the workers; the calling thread scanned the others. */
  workerFiles: number;
}

/** What {@link scanFilesInParallel} scans with. */
export interface PoolOptions {
  /** The calling thread's engine. */
  engine: Engine;
  /** What workers build their engines from: the same detectors as `engine`. */
  spec: EngineSpec;
  options: FileScanOptions;
  /** Undefined for the default (workers for large scans only), 0 for none, or a count used whatever the size. */
  workers: number | undefined;
  /**
   * When the list runs out, the calling thread takes over the files still waiting in workers'
   * batches (default true; tests turn it off to make sure the workers scan).
   */
  takeOver?: boolean;
}

/** Scans `files` and reports each result through `onResult` (in completion order). */
export async function scanFilesInParallel(
  files: readonly FileEntry[],
  pool: PoolOptions,
  onResult: (entry: FileEntry, result: FileScanResult) => void,
): Promise<PoolUsage> {
  const { engine, options } = pool;
  const workerCount = workerCountFor(files, pool.workers);
  if (workerCount === 0) {
    for (const entry of files) onResult(entry, scanFile(engine, entry, options));
    return { workers: 0, workerFiles: 0 };
  }
  const queue = new BatchQueue(files, workerCount + 1);
  const shared = new SharedArrayBuffer(4 * files.length);
  const claims = new Int32Array(shared);
  const init: WorkerInit = { spec: pool.spec, options, claims: shared };
  const usage: PoolUsage = { workers: workerCount, workerFiles: 0 };
  const fromWorker = (entry: FileEntry, result: FileScanResult) => {
    usage.workerFiles++;
    onResult(entry, result);
  };
  // Each worker is sent its first batches here, before the calling thread takes any.
  const workers = Array.from({ length: workerCount }, () => startWorker(workerUrl, init, queue, fromWorker));
  const all = Promise.all(workers.map((w) => w.done));
  // A failing worker rejects `all`; it is awaited below, once the calling thread is done.
  all.catch(() => {});
  // The calling thread scans too: it starts at once, while the workers are still starting, and
  // lets their replies in between its batches.
  const scanHere = async (batch: readonly QueuedFile[]) => {
    for (const { index, entry } of batch) {
      if (claim(claims, index, CLAIMED_BY_CALLER)) onResult(entry, scanFile(engine, entry, options));
    }
    await new Promise((resolve) => setImmediate(resolve));
  };
  for (let batch = queue.take(); batch.length > 0; batch = queue.take()) await scanHere(batch);
  if (pool.takeOver ?? true) {
    for (const worker of workers) {
      await scanHere(worker.waiting());
      worker.releaseIfIdle(claims);
    }
  }
  await all;
  return usage;
}
