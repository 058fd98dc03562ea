/**
 * Scans many files on several cores. The calling thread scans from the first moment; worker
 * threads (each with the same engine) join as soon as they have started, and every thread takes
 * batches of files from one list until none are left. By default workers are only started for
 * large scans; when running from TypeScript sources (tests) there are none.
 * @module
 */

import { existsSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { Engine } from "../engine.js";
import { type FileEntry, type FileScanOptions, type FileScanResult, scanFile } from "./scan-file.js";

/** Below this many files, starting workers costs more than it saves (unless a count is asked for). */
export const MIN_FILES_FOR_WORKERS = 128;
/** Below this many bytes in total, likewise (starting a worker costs tens to hundreds of ms). */
export const MIN_BYTES_FOR_WORKERS = 64 * 1024 * 1024;
/** Most files taken at once. */
const MAX_BATCH = 32;
/**
 * Batches shrink towards the end of the list (to 1/`BATCHES_PER_THREAD` of what is left per
 * thread), so that no thread is still busy with a full batch while the others have nothing left.
 */
const BATCHES_PER_THREAD = 4;
/**
 * Batches sent to a worker ahead of its replies, so it never waits for the calling thread. The
 * first ones, sent while it is still starting, hold one file each: a worker that starts late
 * (tens to hundreds of ms) must not hold back files that the calling thread could have scanned.
 */
const WORKER_QUEUE_DEPTH = 2;

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

/** Hands out the files in batches that shrink towards the end of the list. */
class BatchQueue {
  #next = 0;
  readonly #files: readonly FileEntry[];
  readonly #threads: number;

  constructor(files: readonly FileEntry[], threads: number) {
    this.#files = files;
    this.#threads = threads;
  }

  /** The next batch: `limit` files at most, fewer towards the end of the list, empty at the end. */
  take(limit = MAX_BATCH): FileEntry[] {
    const left = this.#files.length - this.#next;
    const size = Math.max(1, Math.min(limit, Math.ceil(left / (this.#threads * BATCHES_PER_THREAD))));
    const batch = this.#files.slice(this.#next, this.#next + size);
    this.#next += batch.length;
    return batch;
  }
}

/** Threads used by {@link scanFilesInParallel}. */
export interface PoolUsage {
  /** Worker threads started besides the calling thread (0: the calling thread alone). */
  workers: number;
  /** Files scanned by the workers; the calling thread scanned the others. */
  workerFiles: number;
}

/**
 * Scans `files` and reports each result through `onResult` (in completion order). The calling
 * thread uses `engine`; workers build theirs from `spec`, which must describe the same detectors.
 * `requestedWorkers`: undefined for the default (workers for large scans only), 0 for none, or
 * a count, used whatever the size of the scan.
 */
export async function scanFilesInParallel(
  files: readonly FileEntry[],
  engine: Engine,
  spec: EngineSpec,
  options: FileScanOptions,
  requestedWorkers: number | undefined,
  onResult: (entry: FileEntry, result: FileScanResult) => void,
): Promise<PoolUsage> {
  const workerCount = workerCountFor(files, requestedWorkers);
  if (workerCount === 0) {
    for (const entry of files) onResult(entry, scanFile(engine, entry, options));
    return { workers: 0, workerFiles: 0 };
  }
  const queue = new BatchQueue(files, workerCount + 1);
  const init: WorkerInit = { spec, options };
  const usage: PoolUsage = { workers: workerCount, workerFiles: 0 };
  const fromWorker = (entry: FileEntry, result: FileScanResult) => {
    usage.workerFiles++;
    onResult(entry, result);
  };
  // Each worker is sent its first batches here, before the calling thread takes any.
  const workers = Promise.all(Array.from({ length: workerCount }, () => runWorker(init, queue, fromWorker)));
  // A failing worker rejects `workers`; it is awaited below, once the calling thread is done.
  workers.catch(() => {});
  // The calling thread scans too: it starts at once, while the workers are still starting, and
  // lets their replies in between its batches.
  for (let batch = queue.take(); batch.length > 0; batch = queue.take()) {
    for (const entry of batch) onResult(entry, scanFile(engine, entry, options));
    await new Promise((resolve) => setImmediate(resolve));
  }
  await workers;
  return usage;
}

function runWorker(
  init: WorkerInit,
  queue: BatchQueue,
  onResult: (entry: FileEntry, result: FileScanResult) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const worker = new Worker(workerUrl, { workerData: init });
    let settled = false;
    let outstanding = 0;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      if (error) reject(error);
      else resolve();
    };
    /** Sends the next batch; when there is none and nothing is outstanding, lets the worker go. */
    const feed = (limit?: number) => {
      if (settled) return;
      const batch = queue.take(limit);
      if (batch.length > 0) {
        outstanding++;
        worker.postMessage({ files: batch } satisfies WorkerRequest);
      } else if (outstanding === 0) {
        worker.postMessage({ done: true } satisfies WorkerRequest);
        finish();
      }
    };
    worker.on("message", (reply: WorkerReply) => {
      if (settled) return;
      if ("fatal" in reply) return finish(new Error(`scanner worker failed: ${reply.fatal}`));
      outstanding--;
      for (const { entry, result } of reply.results) onResult(entry, result);
      feed();
    });
    worker.on("error", (error) => finish(error));
    worker.on("exit", (code) => finish(code === 0 ? undefined : new Error(`scanner worker exited with code ${code}`)));
    for (let i = 0; i < WORKER_QUEUE_DEPTH; i++) feed(1);
  });
}
