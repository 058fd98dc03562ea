/**
 * Snapshots for feed connections, shared: one snapshot read serves every connection that needs
 * one at about the same time (100 verifiers starting together cost one read, not 100). The
 * encoded frames are recorded as they are produced, late joiners replay them, and the result
 * is reused for a few seconds. Any snapshot at S is valid for a newcomer: it catches up from S
 * like any resume.
 *
 * On SQLite, snapshots read on their own read-only connection (a WAL snapshot), so a large
 * snapshot or a slow client never holds the connection that writes revocations.
 */
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import type { Database } from "../db/database.js";
import type { Schema } from "../db/schema.js";
import type { OAuthStateLoader } from "./replica-state.js";
import { writeSnapshot, writeSnapshotSqlite } from "./snapshot.js";

/** How long a finished snapshot is reused for newcomers (they catch up from its sequence). */
const SNAPSHOT_REUSE_MS = 5000;

interface SnapshotRecording {
  frames: Buffer[];
  sequence: number;
  done: boolean;
  failed: boolean;
  finishedAt: number;
  waiters: Array<() => void>;
}

export interface SnapshotSourceOptions {
  database: Database;
  now(): number;
  /** The OAuth state loader in force when a snapshot starts. */
  oauthState(): OAuthStateLoader;
  onError(error: unknown): void;
}

interface SnapshotSourceState {
  readonly options: SnapshotSourceOptions;
  readonly slots: <T>(work: () => Promise<T>) => Promise<T>;
  shared: SnapshotRecording | undefined;
  snapshotDb: Kysely<Schema> | undefined;
  snapshotConnection: SQLite.Database | undefined;
}

/** Runs at most `limit` pieces of work at a time, the others waiting in order. */
function semaphore(limit: number) {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async function run<T>(work: () => Promise<T>): Promise<T> {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await work();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

function takeSnapshot(state: SnapshotSourceState, write: (bytes: Buffer) => Promise<void>) {
  const { database, now } = state.options;
  const loader = state.options.oauthState();
  if (database.kind !== "sqlite" || database.location === ":memory:") {
    return writeSnapshot(database.db, loader, now(), write);
  }
  if (!state.snapshotConnection || !state.snapshotDb) {
    state.snapshotConnection = new SQLite(database.location, { readonly: true, fileMustExist: true });
    state.snapshotConnection.pragma("busy_timeout = 5000");
    state.snapshotDb = new Kysely<Schema>({ dialect: new SqliteDialect({ database: state.snapshotConnection }) });
  }
  return writeSnapshotSqlite(state.snapshotConnection, state.snapshotDb, loader, now(), write);
}

/** Starts recording a new snapshot's frames, waking replayers as frames arrive. */
function startRecording(state: SnapshotSourceState): SnapshotRecording {
  const recording: SnapshotRecording = {
    frames: [],
    sequence: -1,
    done: false,
    failed: false,
    finishedAt: 0,
    waiters: [],
  };
  const wake = () => {
    for (const waiter of recording.waiters.splice(0)) waiter();
  };
  state.shared = recording;
  void state
    .slots(() =>
      takeSnapshot(state, async (bytes) => {
        recording.frames.push(bytes);
        wake();
        // Let readers (and everything else) run between pages of a large snapshot.
        await new Promise((resolve) => setImmediate(resolve));
      }),
    )
    .then(
      ({ sequence }) => {
        recording.sequence = sequence;
        recording.done = true;
        recording.finishedAt = performance.now();
        wake();
        // Let the frames go once nobody can reuse them.
        setTimeout(() => {
          if (state.shared === recording) state.shared = undefined;
        }, SNAPSHOT_REUSE_MS).unref();
      },
      (error) => {
        recording.failed = true;
        if (state.shared === recording) state.shared = undefined;
        state.options.onError(error);
        wake();
      },
    );
  return recording;
}

/** The recording in progress or recently finished, else a new one. */
function currentRecording(state: SnapshotSourceState): SnapshotRecording {
  const current = state.shared;
  if (current && !current.failed && (!current.done || performance.now() - current.finishedAt < SNAPSHOT_REUSE_MS)) {
    return current;
  }
  return startRecording(state);
}

/** Writes a (shared) snapshot to one connection at its own pace; returns its sequence. */
async function replaySnapshot(state: SnapshotSourceState, send: (bytes: Buffer) => Promise<void>): Promise<number> {
  const recording = currentRecording(state);
  let next = 0;
  for (;;) {
    while (next < recording.frames.length) await send(recording.frames[next++] as Buffer);
    if (recording.failed) throw new Error("snapshot failed");
    if (recording.done) return recording.sequence;
    await new Promise<void>((resolve) => recording.waiters.push(resolve));
  }
}

export function createSnapshotSource(options: SnapshotSourceOptions) {
  const state: SnapshotSourceState = {
    options,
    slots: semaphore(options.database.kind === "postgres" ? 3 : 1),
    shared: undefined,
    snapshotDb: undefined,
    snapshotConnection: undefined,
  };
  return {
    replay: (send: (bytes: Buffer) => Promise<void>) => replaySnapshot(state, send),
    close: async (): Promise<void> => {
      await state.snapshotDb?.destroy();
    },
  };
}
