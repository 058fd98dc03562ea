/**
 * The change feed of one authority instance: serves `GET /v1/feed` connections (snapshot,
 * catch-up, live changes, heartbeats), records verifier acks and makes revocation receipts.
 * Several instances on one PostgreSQL share everything through the database; LISTEN/NOTIFY
 * only wakes them.
 */
import { randomBytes } from "node:crypto";
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import type { Clock } from "../clock.js";
import type { Database } from "../db/database.js";
import type { Schema } from "../db/schema.js";
import type { CommittedChange } from "../db/transaction.js";
import { changeFrame, frame } from "./frames.js";
import { createFeedHub, type FeedConnection } from "./hub.js";
import { createPgListener } from "./pg-listener.js";
import { createReceiptService } from "./receipts.js";
import { createVerifierRegistry } from "./registry.js";
import { emptyOAuthState, type OAuthStateLoader } from "./replica-state.js";
import { feedDb } from "./schema.js";
import { writeSnapshot, writeSnapshotSqlite } from "./snapshot.js";

/** A connection further behind than this many changes gets a fresh snapshot instead. */
export const MAX_CATCH_UP = 100_000;
const HEARTBEAT_MS = 1000;
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
const MAX_BUFFERED_BYTES = 64 << 20;

/** One feed connection's transport (an HTTP response in production). */
export interface FeedSink {
  /** Returns false when the caller should wait for `drain`. */
  write(bytes: Buffer): boolean;
  drain(): Promise<void>;
  buffered(): number;
  destroy(reason: string): void;
  onClose(listener: () => void): void;
}

export interface FeedRequest {
  verifierId: string;
  name: string;
  stalenessMs: number;
  /** Last-Event-ID: the sequence the verifier has applied, when it resumes. */
  lastEventId: number | null;
}

export interface FeedServiceOptions {
  database: Database;
  /** The database URL (with credentials): PostgreSQL LISTEN needs its own connection. */
  databaseUrl: string;
  clock: Clock;
  issuer: string;
  onError(error: unknown): void;
}

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

export function createFeedService(inputOptions: FeedServiceOptions) {
  const { database, clock } = inputOptions;
  // Work still in flight when the authority closes fails against a closed pool: not news.
  const options = { ...inputOptions, onError: (error: unknown) => closed || inputOptions.onError(error) };
  const db = feedDb(database.db);
  const instanceId = `ain_${randomBytes(9).toString("base64url").replace(/[-_]/g, "x")}`;
  const now = () => clock.now();
  let closed = false;
  let loadOAuthState: OAuthStateLoader = emptyOAuthState;
  const confirmationListeners: Array<(seconds: number) => void> = [];

  // SQLite: snapshots read on their own read-only connection (a WAL snapshot), so a large
  // snapshot or a slow client never holds the connection that writes revocations.
  let snapshotDb: Kysely<Schema> | undefined;
  let snapshotConnection: SQLite.Database | undefined;
  function takeSnapshot(write: (bytes: Buffer) => Promise<void>) {
    if (database.kind !== "sqlite" || database.location === ":memory:") {
      return writeSnapshot(database.db, loadOAuthState, now(), write);
    }
    if (!snapshotConnection || !snapshotDb) {
      snapshotConnection = new SQLite(database.location, { readonly: true, fileMustExist: true });
      snapshotConnection.pragma("busy_timeout = 5000");
      snapshotDb = new Kysely<Schema>({ dialect: new SqliteDialect({ database: snapshotConnection }) });
    }
    return writeSnapshotSqlite(snapshotConnection, snapshotDb, loadOAuthState, now(), write);
  }
  const snapshotSlots = semaphore(database.kind === "postgres" ? 3 : 1);

  // One snapshot read serves every connection that needs one at about the same time (100
  // verifiers starting together cost one read, not 100): the encoded frames are recorded as
  // they are produced, late joiners replay them, and the result is reused for a few seconds.
  // Any snapshot at S is valid for a newcomer: it catches up from S like any resume.
  let sharedSnapshot: SnapshotRecording | undefined;
  function snapshotRecording(): SnapshotRecording {
    const current = sharedSnapshot;
    if (current && !current.failed && (!current.done || performance.now() - current.finishedAt < SNAPSHOT_REUSE_MS)) {
      return current;
    }
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
    sharedSnapshot = recording;
    void snapshotSlots(() =>
      takeSnapshot(async (bytes) => {
        recording.frames.push(bytes);
        wake();
        // Let readers (and everything else) run between pages of a large snapshot.
        await new Promise((resolve) => setImmediate(resolve));
      }),
    ).then(
      ({ sequence }) => {
        recording.sequence = sequence;
        recording.done = true;
        recording.finishedAt = performance.now();
        wake();
        // Let the frames go once nobody can reuse them.
        setTimeout(() => {
          if (sharedSnapshot === recording) sharedSnapshot = undefined;
        }, SNAPSHOT_REUSE_MS).unref();
      },
      (error) => {
        recording.failed = true;
        if (sharedSnapshot === recording) sharedSnapshot = undefined;
        options.onError(error);
        wake();
      },
    );
    return recording;
  }

  /** Writes a (shared) snapshot to one connection at its own pace; returns its sequence. */
  async function replaySnapshot(send: (bytes: Buffer) => Promise<void>): Promise<number> {
    const recording = snapshotRecording();
    let next = 0;
    for (;;) {
      while (next < recording.frames.length) await send(recording.frames[next++] as Buffer);
      if (recording.failed) throw new Error("snapshot failed");
      if (recording.done) return recording.sequence;
      await new Promise<void>((resolve) => recording.waiters.push(resolve));
    }
  }

  const readChanges = (after: number, limit: number) =>
    db.selectFrom("change_log").selectAll().where("seq", ">", after).orderBy("seq").limit(limit).execute();
  const readHead = async () =>
    Number(
      (await db.selectFrom("sequences").select("value").where("name", "=", "change").executeTakeFirstOrThrow()).value,
    );

  const hub = createFeedHub({
    readChanges,
    readHead,
    now,
    heartbeatMs: HEARTBEAT_MS,
    maxBufferedBytes: MAX_BUFFERED_BYTES,
    onError: options.onError,
  });
  const registry = createVerifierRegistry({
    db,
    sqlite: database.kind === "sqlite",
    instanceId,
    now,
    onWritten: () => receiptService.refresh(),
    onError: options.onError,
  });
  const receiptService = createReceiptService({
    db,
    registry,
    now,
    onConfirmation: (s) => {
      for (const listener of confirmationListeners) listener(s);
    },
    onError: options.onError,
  });

  const listener =
    database.kind === "postgres"
      ? createPgListener(
          options.databaseUrl,
          (channel) => (channel === "tessera_changes" ? void hub.wake() : receiptService.refresh()),
          options.onError,
        )
      : undefined;

  let touchTimer: NodeJS.Timeout | undefined;
  let started: Promise<void> | undefined;

  function start(): Promise<void> {
    started ??= (async () => {
      await hub.start();
      await listener?.start();
      touchTimer = setInterval(() => registry.touch().catch(options.onError), HEARTBEAT_MS);
      touchTimer.unref();
    })();
    return started;
  }

  /**
   * Replicas built from changes up to this sequence predate the current record format (key
   * ordinals, migration 0009) and must be rebuilt from a snapshot. Fixed once migrated.
   */
  let floor: Promise<number> | undefined;
  const readFloor = () =>
    (floor ??= db
      .selectFrom("sequences")
      .select("value")
      .where("name", "=", "feed_floor")
      .executeTakeFirst()
      .then((row) => Number(row?.value ?? 0))
      .catch((error: unknown) => {
        floor = undefined;
        throw error;
      }));

  async function needsSnapshot(lastEventId: number | null): Promise<boolean> {
    if (lastEventId === null) return true;
    if (lastEventId <= (await readFloor())) return true;
    const head = await readHead();
    if (lastEventId > head || head - lastEventId > MAX_CATCH_UP) return true;
    if (lastEventId === head) return false;
    const oldest = await db.selectFrom("change_log").select("seq").orderBy("seq").limit(1).executeTakeFirst();
    // Changes after lastEventId were purged: a resume would miss them.
    return !oldest || Number(oldest.seq) > lastEventId + 1;
  }

  /** Serves one feed connection until it closes. */
  async function serve(request: FeedRequest, sink: FeedSink): Promise<void> {
    await start();
    let open = true;
    const connection: FeedConnection = {
      verifierId: request.verifierId,
      sent: -1,
      queue: [],
      write: (bytes) => void sink.write(bytes),
      buffered: () => sink.buffered(),
      destroy: (reason) => sink.destroy(reason),
    };
    sink.onClose(() => {
      open = false;
      hub.remove(connection);
      registry.disconnect(request.verifierId);
    });
    const send = async (bytes: Buffer) => {
      if (!open) throw new Error("feed connection closed");
      if (!sink.write(bytes)) await sink.drain();
    };
    await registry.connect({
      id: request.verifierId,
      name: request.name,
      stalenessMs: request.stalenessMs,
      appliedSeq: request.lastEventId ?? 0,
    });
    if (!open) return;
    hub.add(connection);
    try {
      await send(
        frame(
          "hello",
          JSON.stringify({
            verifierId: request.verifierId,
            authorityInstance: instanceId,
            head: hub.position(),
            issuer: options.issuer,
          }),
        ),
      );
      let from: number;
      if (await needsSnapshot(request.lastEventId)) {
        from = await replaySnapshot(send);
      } else {
        from = request.lastEventId as number;
      }
      connection.sent = from;
      for (;;) {
        const rows = await readChanges(connection.sent, 1000);
        if (rows.length === 0) break;
        for (const row of rows) {
          await send(changeFrame(row));
          connection.sent = Number(row.seq);
        }
      }
      if (open) hub.goLive(connection);
    } catch (error) {
      if (open) {
        options.onError(error);
        sink.destroy("feed failed");
      }
    }
  }

  return {
    instanceId,
    serve,
    start,
    hub,
    registry,
    receipts: receiptService,
    /** See receipts.ts: usable by any revoke path, including `POST /oauth/revoke`. */
    awaitReceipt: (sequence: number, waitMs: number, actorId?: string) =>
      receiptService.awaitReceipt(sequence, waitMs, actorId),
    /**
     * A local unit of work's committed change-log rows (every change-log write is one), broadcast
     * without reading them back; other instances' rows come through NOTIFY and the poll.
     */
    offerCommitted(rows: readonly CommittedChange[]): void {
      if (started && !closed) hub.offer(rows);
    },
    /** The OAuth service registers the loader of its replica state here (one line). */
    setOAuthStateLoader(loader: OAuthStateLoader): void {
      loadOAuthState = loader;
    },
    onConfirmation(listener: (seconds: number) => void): void {
      confirmationListeners.push(listener);
    },
    /** Ends every feed connection (before the HTTP server closes: they are long-lived). */
    disconnectAll(): void {
      hub.stop();
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (touchTimer) clearInterval(touchTimer);
      hub.stop();
      receiptService.close();
      await registry.close().catch(options.onError);
      await listener?.stop();
      await snapshotDb?.destroy();
    },
  };
}

export type FeedService = ReturnType<typeof createFeedService>;
