/**
 * Group commit for independent changes: while one transaction commits (an fsync on SQLite),
 * changes that arrive queue up and are then written together in the next transaction. Each
 * change still writes its entity, audit record and change-log entry together; several share
 * one commit. Nothing waits for a timer: a change arriving at an idle writer goes on the next
 * turn of the event loop, with whatever else arrived in the same turn.
 */
import { runUnitOfWork, type UnitOfWork, type UnitOfWorkTarget } from "./transaction.js";

interface Job {
  work: (unit: UnitOfWork) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Enough to amortise a commit, small enough to keep one transaction short. */
const MAX_BATCH = 64;

export function createGroupCommit(target: UnitOfWorkTarget) {
  const queue: Job[] = [];
  let writing = false;

  async function drain(): Promise<void> {
    writing = true;
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, MAX_BATCH);
        try {
          const results = await runUnitOfWork(target, async (unit) => {
            const out: unknown[] = [];
            for (const job of batch) out.push(await job.work(unit));
            return out;
          });
          for (const [i, job] of batch.entries()) job.resolve(results[i]);
        } catch (error) {
          if (batch.length === 1) {
            (batch[0] as Job).reject(error);
            continue;
          }
          // The batch rolled back as a whole: run each on its own, so that one failing change
          // fails alone.
          for (const job of batch) {
            try {
              job.resolve(await runUnitOfWork(target, job.work));
            } catch (jobError) {
              job.reject(jobError);
            }
          }
        }
      }
    } finally {
      writing = false;
    }
  }

  /** Runs `work` in a unit of work, possibly shared with other queued changes. */
  return function submit<T>(work: (unit: UnitOfWork) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!writing && queue.length === 1) setImmediate(() => void drain());
    });
  };
}

export type GroupCommit = ReturnType<typeof createGroupCommit>;
