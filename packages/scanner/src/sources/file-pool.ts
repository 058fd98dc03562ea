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
 * first ones, sent while it is still starting, hold one file each.
 */
const WORKER_QUEUE_DEPTH = 2;

export interface EngineSpec {
  prefixes: string[];
  disable: string[];
}

export interface WorkerInit {
  spec: EngineSpec;
  options: FileScanOptions;
  /** One Int32 per file of the list: 0 until a thread claims it (see {@link claim}). */
  claims: SharedArrayBuffer;
}

/** A file of the list and its index in the claims array. */
export interface QueuedFile {
  index: number;
  entry: FileEntry;
}

export type WorkerRequest = { files: QueuedFile[] } | { done: true };
/** Results of the files of one batch that the worker claimed (the others were taken over). */
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

/** Values of a claimed file in the claims array. */
export const CLAIMED_BY_WORKER = 1;
const CLAIMED_BY_CALLER = 2;

/** Claims file `index` (compare-and-swap from 0); false when another thread has it. */
export function claim(claims: Int32Array, index: number, by: number): boolean {
  return Atomics.compareExchange(claims, index, 0, by) === 0;
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
  take(limit = MAX_BATCH): QueuedFile[] {
    const left = this.#files.length - this.#next;
    const size = Math.max(0, Math.min(left, limit, Math.ceil(left / (this.#threads * BATCHES_PER_THREAD))));
    const batch: QueuedFile[] = [];
    for (let i = 0; i < size; i++)
      batch.push({ index: this.#next + i, entry: this.#files[this.#next + i] as FileEntry });
    this.#next += size;
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
  const workers = Array.from({ length: workerCount }, () => startWorker(init, queue, fromWorker));
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

interface RunningWorker {
  /** Settles when the worker has been let go (or has failed). */
  done: Promise<void>;
  /** The files of the batches sent to the worker and not answered yet. */
  waiting(): QueuedFile[];
  /**
   * Lets the worker go at once when it has claimed none of the files it was sent and not yet
   * answered for (they were all taken over): its replies would carry nothing.
   */
  releaseIfIdle(claims: Int32Array): void;
}

function startWorker(
  init: WorkerInit,
  queue: BatchQueue,
  onResult: (entry: FileEntry, result: FileScanResult) => void,
): RunningWorker {
  const worker = new Worker(workerUrl, { workerData: init });
  let settled = false;
  /** Batches sent and not answered yet, in the order the worker scans them. */
  const outstanding: QueuedFile[][] = [];
  let resolveDone: () => void = () => {};
  let rejectDone: (error: Error) => void = () => {};
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  const finish = (error?: Error) => {
    if (settled) return;
    settled = true;
    void worker.terminate();
    if (error) rejectDone(error);
    else resolveDone();
  };
  /** Sends the next batch; when there is none and nothing is outstanding, lets the worker go. */
  const feed = (limit?: number) => {
    if (settled) return;
    const batch = queue.take(limit);
    if (batch.length > 0) {
      outstanding.push(batch);
      worker.postMessage({ files: batch } satisfies WorkerRequest);
    } else if (outstanding.length === 0) {
      worker.postMessage({ done: true } satisfies WorkerRequest);
      finish();
    }
  };
  worker.on("message", (reply: WorkerReply) => {
    if (settled) return;
    if ("fatal" in reply) return finish(new Error(`scanner worker failed: ${reply.fatal}`));
    outstanding.shift();
    for (const { entry, result } of reply.results) onResult(entry, result);
    feed();
  });
  worker.on("error", (error) => finish(error));
  worker.on("exit", (code) => finish(code === 0 ? undefined : new Error(`scanner worker exited with code ${code}`)));
  for (let i = 0; i < WORKER_QUEUE_DEPTH; i++) feed(1);
  return {
    done,
    waiting: () => (settled ? [] : outstanding.flat()),
    releaseIfIdle(claims) {
      if (settled) return;
      const mine = outstanding.flat().every(({ index }) => Atomics.load(claims, index) === CLAIMED_BY_CALLER);
      if (mine) finish();
    },
  };
}
