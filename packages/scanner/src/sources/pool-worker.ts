/**
 * One worker thread of the file pool, seen from the calling thread: it is fed batches (two ahead
 * of its replies), and can be let go early when the calling thread has taken over its files.
 * @module
 */

import { Worker } from "node:worker_threads";
import {
  type BatchQueue,
  CLAIMED_BY_CALLER,
  type QueuedFile,
  type WorkerInit,
  type WorkerReply,
  type WorkerRequest,
} from "./pool-protocol.js";
import type { FileEntry, FileScanResult } from "./scan-file.js";

/**
 * Batches sent to a worker ahead of its replies, so it never waits for the calling thread. The
 * first ones, sent while it is still starting, hold one file each.
 */
const WORKER_QUEUE_DEPTH = 2;

export interface RunningWorker {
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

/** Starts a worker on `workerUrl` and feeds it batches from `queue`; its results go to `onResult`. */
export function startWorker(
  workerUrl: URL,
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
