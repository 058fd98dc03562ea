/**
 * The change feed of one authority instance: serves `GET /v1/feed` connections (snapshot,
 * catch-up, live changes, heartbeats), records verifier acks and makes revocation receipts.
 * Several instances on one PostgreSQL share everything through the database; LISTEN/NOTIFY
 * only wakes them.
 */
import { randomBytes } from "node:crypto";
import { HEARTBEAT_INTERVAL_MS, type HelloWire } from "@tessera/verifier/wire";
import type { Kysely } from "kysely";
import type { Clock } from "../clock.js";
import type { Database } from "../db/database.js";
import type { CommittedChange } from "../db/transaction.js";
import { changeFrame, frame } from "./frames.js";
import { createFeedHub, type FeedConnection, type FeedHub } from "./hub.js";
import { createPgListener } from "./pg-listener.js";
import { createReceiptService, type ReceiptService } from "./receipts.js";
import { createVerifierRegistry, type VerifierRegistry } from "./registry.js";
import { emptyOAuthState, type OAuthStateLoader } from "./replica-state.js";
import { type FeedSchema, feedDb } from "./schema.js";
import { createSnapshotSource } from "./snapshot-sharing.js";

/** A connection further behind than this many changes gets a fresh snapshot instead. */
export const MAX_CATCH_UP = 100_000;
const HEARTBEAT_MS = HEARTBEAT_INTERVAL_MS;

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

/** One instance's feed: its parts, and the state its steps share. */
interface FeedState {
  readonly options: FeedServiceOptions;
  readonly db: Kysely<FeedSchema>;
  readonly instanceId: string;
  readonly now: () => number;
  readonly hub: FeedHub;
  readonly registry: VerifierRegistry;
  readonly receipts: ReceiptService;
  readonly snapshots: ReturnType<typeof createSnapshotSource>;
  readonly listener: ReturnType<typeof createPgListener> | undefined;
  readonly confirmationListeners: Array<(seconds: number) => void>;
  /** Hear every broadcast round (local and other writers' changes alike). */
  readonly changeListeners: Array<() => void>;
  loadOAuthState: OAuthStateLoader;
  closed: boolean;
  started: Promise<void> | undefined;
  touchTimer: NodeJS.Timeout | undefined;
  /** See readFloor. */
  floor: Promise<number> | undefined;
}

const readChanges = (db: Kysely<FeedSchema>, after: number, limit: number) =>
  db.selectFrom("change_log").selectAll().where("seq", ">", after).orderBy("seq").limit(limit).execute();

const readHead = async (db: Kysely<FeedSchema>) =>
  Number(
    (await db.selectFrom("sequences").select("value").where("name", "=", "change").executeTakeFirstOrThrow()).value,
  );

function start(state: FeedState): Promise<void> {
  state.started ??= (async () => {
    await state.hub.start();
    await state.listener?.start();
    state.touchTimer = setInterval(() => state.registry.touch().catch(state.options.onError), HEARTBEAT_MS);
    state.touchTimer.unref();
  })();
  return state.started;
}

/**
 * Replicas built from changes up to this sequence predate the current record format (key
 * ordinals, migration 0009) and must be rebuilt from a snapshot. Fixed once migrated.
 */
function readFloor(state: FeedState): Promise<number> {
  state.floor ??= state.db
    .selectFrom("sequences")
    .select("value")
    .where("name", "=", "feed_floor")
    .executeTakeFirst()
    .then((row) => Number(row?.value ?? 0))
    .catch((error: unknown) => {
      state.floor = undefined;
      throw error;
    });
  return state.floor;
}

async function needsSnapshot(state: FeedState, lastEventId: number | null): Promise<boolean> {
  if (lastEventId === null) return true;
  if (lastEventId <= (await readFloor(state))) return true;
  const head = await readHead(state.db);
  if (lastEventId > head || head - lastEventId > MAX_CATCH_UP) return true;
  if (lastEventId === head) return false;
  const oldest = await state.db.selectFrom("change_log").select("seq").orderBy("seq").limit(1).executeTakeFirst();
  // Changes after lastEventId were purged: a resume would miss them.
  return !oldest || Number(oldest.seq) > lastEventId + 1;
}

/** The hub's view of one connection, and a `send` that waits for the sink to drain. */
function openConnection(state: FeedState, request: FeedRequest, sink: FeedSink) {
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
    state.hub.remove(connection);
    state.registry.disconnect(request.verifierId);
  });
  const send = async (bytes: Buffer) => {
    if (!open) throw new Error("feed connection closed");
    if (!sink.write(bytes)) await sink.drain();
  };
  return { connection, send, isOpen: () => open };
}

function helloFrame(state: FeedState, request: FeedRequest): Buffer {
  const hello: HelloWire = {
    verifierId: request.verifierId,
    authorityInstance: state.instanceId,
    head: state.hub.position(),
    issuer: state.options.issuer,
  };
  return frame("hello", JSON.stringify(hello));
}

/** Sends every change after `connection.sent` from the change log, until none is left. */
async function catchUp(state: FeedState, connection: FeedConnection, send: (bytes: Buffer) => Promise<void>) {
  for (;;) {
    const rows = await readChanges(state.db, connection.sent, 1000);
    if (rows.length === 0) return;
    for (const row of rows) {
      await send(changeFrame(row));
      connection.sent = Number(row.seq);
    }
  }
}

/** Serves one feed connection until it closes: hello, snapshot or resume, catch-up, live. */
async function serve(state: FeedState, request: FeedRequest, sink: FeedSink): Promise<void> {
  await start(state);
  const { connection, send, isOpen } = openConnection(state, request, sink);
  await state.registry.connect({
    id: request.verifierId,
    name: request.name,
    stalenessMs: request.stalenessMs,
    appliedSeq: request.lastEventId ?? 0,
  });
  if (!isOpen()) return;
  state.hub.add(connection);
  try {
    await send(helloFrame(state, request));
    connection.sent = (await needsSnapshot(state, request.lastEventId))
      ? await state.snapshots.replay(send)
      : (request.lastEventId as number);
    await catchUp(state, connection, send);
    if (isOpen()) state.hub.goLive(connection);
  } catch (error) {
    if (isOpen()) {
      state.options.onError(error);
      sink.destroy("feed failed");
    }
  }
}

async function closeFeed(state: FeedState): Promise<void> {
  if (state.closed) return;
  state.closed = true;
  if (state.touchTimer) clearInterval(state.touchTimer);
  state.hub.stop();
  state.receipts.close();
  await state.registry.close().catch(state.options.onError);
  await state.listener?.stop();
  await state.snapshots.close();
}

/** The hub, registry, receipts, snapshots and (PostgreSQL) listener of one instance, wired. */
function createParts(options: FeedServiceOptions, db: Kysely<FeedSchema>, instanceId: string, late: () => FeedState) {
  const { database } = options;
  const now = () => options.clock.now();
  const hub = createFeedHub({
    readChanges: (after, limit) => readChanges(db, after, limit),
    readHead: () => readHead(db),
    now,
    heartbeatMs: HEARTBEAT_MS,
    maxBufferedBytes: MAX_BUFFERED_BYTES,
    onError: options.onError,
    onBroadcast: () => {
      for (const listener of late().changeListeners) listener();
    },
  });
  const registry = createVerifierRegistry({
    db,
    sqlite: database.kind === "sqlite",
    instanceId,
    now,
    onWritten: () => receipts.refresh(),
    onError: options.onError,
  });
  const receipts = createReceiptService({
    db,
    registry,
    now,
    onConfirmation: (s) => {
      for (const listener of late().confirmationListeners) listener(s);
    },
    onError: options.onError,
  });
  const snapshots = createSnapshotSource({
    database,
    now,
    oauthState: () => late().loadOAuthState,
    onError: options.onError,
  });
  const listener =
    database.kind === "postgres"
      ? createPgListener(
          options.databaseUrl,
          (channel) => (channel === "tessera_changes" ? void hub.wake() : receipts.refresh()),
          options.onError,
        )
      : undefined;
  return { now, hub, registry, receipts, snapshots, listener };
}

export function createFeedService(inputOptions: FeedServiceOptions) {
  // Work still in flight when the authority closes fails against a closed pool: not news.
  const options = { ...inputOptions, onError: (error: unknown) => state.closed || inputOptions.onError(error) };
  const db = feedDb(inputOptions.database.db);
  const instanceId = `ain_${randomBytes(9).toString("base64url").replace(/[-_]/g, "x")}`;
  const state: FeedState = {
    options,
    db,
    instanceId,
    ...createParts(options, db, instanceId, () => state),
    confirmationListeners: [],
    changeListeners: [],
    loadOAuthState: emptyOAuthState,
    closed: false,
    started: undefined,
    touchTimer: undefined,
    floor: undefined,
  };
  const { hub, registry, receipts } = state;
  return {
    instanceId,
    serve: (request: FeedRequest, sink: FeedSink) => serve(state, request, sink),
    start: () => start(state),
    hub,
    registry,
    receipts,
    /** See receipts.ts: usable by any revoke path, including `POST /oauth/revoke`. */
    awaitReceipt: (sequence: number, waitMs: number, actorId?: string) =>
      receipts.awaitReceipt(sequence, waitMs, actorId),
    /**
     * A local unit of work's committed change-log rows (every change-log write is one), broadcast
     * without reading them back; other instances' rows come through NOTIFY and the poll.
     */
    offerCommitted(rows: readonly CommittedChange[]): void {
      if (state.started && !state.closed) hub.offer(rows);
    },
    /** The OAuth service registers the loader of its replica state here (one line). */
    setOAuthStateLoader(loader: OAuthStateLoader): void {
      state.loadOAuthState = loader;
    },
    /** Called after every broadcast round: changes committed here or by any other writer. */
    onChanges(listener: () => void): void {
      state.changeListeners.push(listener);
    },
    /** performance.now() of the hub's last read of the change log, null when the feed is not running. */
    heardAt: (): number | null => (state.closed ? null : hub.heardAt()),
    onConfirmation(listener: (seconds: number) => void): void {
      state.confirmationListeners.push(listener);
    },
    /** Ends every feed connection (before the HTTP server closes: they are long-lived). */
    disconnectAll(): void {
      hub.stop();
    },
    close: () => closeFeed(state),
  };
}

export type FeedService = ReturnType<typeof createFeedService>;
