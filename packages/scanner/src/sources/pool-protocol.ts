/**
 * What the calling thread and the scanner's worker threads share: the messages they exchange,
 * the list of files handed out in batches, and the claims array in which every file is claimed
 * by exactly one thread before it is scanned.
 * @module
 */

import type { FileEntry, FileScanOptions, FileScanResult } from "./scan-file.js";

/** Most files taken at once. */
const MAX_BATCH = 32;
/**
 * Batches shrink towards the end of the list (to 1/`BATCHES_PER_THREAD` of what is left per
 * thread), so that no thread is still busy with a full batch while the others have nothing left.
 */
const BATCHES_PER_THREAD = 4;

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

/** Values of a claimed file in the claims array. */
export const CLAIMED_BY_WORKER = 1;
export const CLAIMED_BY_CALLER = 2;

/** Claims file `index` (compare-and-swap from 0); false when another thread has it. */
export function claim(claims: Int32Array, index: number, by: number): boolean {
  return Atomics.compareExchange(claims, index, 0, by) === 0;
}

/** Hands out the files in batches that shrink towards the end of the list. */
export class BatchQueue {
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
