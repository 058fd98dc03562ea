/**
 * The broadcaster of one authority instance: reads the change log after the last sequence it
 * sent, in order, encodes each change once and writes the same bytes to every connection.
 * Handed the rows of local commits (offer), woken by PostgreSQL NOTIFY from any instance, and
 * polling once a second (so a missed notification delays a change by a second at most, never
 * loses it).
 */
import type { ChangeLogTable } from "../db/schema.js";
import { inSyncSpan } from "../tracing.js";
import { changeFrame, heartbeatFrame } from "./frames.js";

export interface FeedConnection {
  readonly verifierId: string;
  /** The last sequence this connection has been sent (snapshot or change). */
  sent: number;
  /** Frames broadcast while the connection catches up, written once it has. */
  queue: Array<{ seq: number; bytes: Buffer }> | null;
  write(bytes: Buffer): void;
  /** Bytes written but not yet flushed to the socket. */
  buffered(): number;
  /** Ends the connection (the verifier reconnects and resumes). */
  destroy(reason: string): void;
}

export interface HubOptions {
  /** Rows with seq > after, ascending, at most `limit`. */
  readChanges(after: number, limit: number): Promise<ChangeLogTable[]>;
  /** The highest committed sequence. */
  readHead(): Promise<number>;
  now(): number;
  heartbeatMs: number;
  /** A connection with more unflushed bytes than this is cut: it resumes (or re-snapshots) on reconnect. */
  maxBufferedBytes: number;
  onError(error: unknown): void;
  /** Called after each broadcast round with the sequences sent. */
  onBroadcast?(sequences: number[]): void;
}

const PAGE = 500;

/** The hub's connections and where its broadcast stands. */
interface HubState {
  readonly options: HubOptions;
  readonly connections: Set<FeedConnection>;
  /** The last sequence broadcast. */
  position: number;
  running: boolean;
  again: boolean;
  timer: NodeJS.Timeout | undefined;
  started: Promise<void> | undefined;
  /** performance.now() of the last read of the change log; null before the first and after stop. */
  heardAt: number | null;
}

function send(state: HubState, connection: FeedConnection, seq: number, bytes: Buffer): void {
  if (connection.queue) {
    connection.queue.push({ seq, bytes });
    return;
  }
  if (seq <= connection.sent) return;
  connection.sent = seq;
  connection.write(bytes);
  if (connection.buffered() > state.options.maxBufferedBytes) connection.destroy("too far behind");
}

/** Encodes each row once and writes it to every connection; `rows` follow `position`. */
function broadcast(state: HubState, rows: readonly ChangeLogTable[]): void {
  const attributes = {
    "tessera.feed.first_sequence": Number(rows[0]?.seq ?? 0),
    "tessera.feed.changes": rows.length,
    "tessera.feed.connections": state.connections.size,
  };
  inSyncSpan("tessera.feed.broadcast", attributes, () => broadcastRows(state, rows));
}

function broadcastRows(state: HubState, rows: readonly ChangeLogTable[]): void {
  const sent: number[] = [];
  for (const row of rows) {
    const seq = Number(row.seq);
    const bytes = changeFrame(row);
    state.position = seq;
    for (const connection of state.connections) send(state, connection, seq, bytes);
    sent.push(seq);
  }
  state.options.onBroadcast?.(sent);
}

async function pump(state: HubState): Promise<void> {
  for (;;) {
    const rows = await state.options.readChanges(state.position, PAGE);
    state.heardAt = performance.now();
    if (rows.length === 0) return;
    broadcast(state, rows);
    if (rows.length < PAGE) return;
  }
}

/**
 * Broadcasts rows a local transaction has just committed, without reading them back, when
 * they are exactly the next ones; otherwise (another writer's rows are still in flight, or a
 * read is under way) leaves them to a read, which keeps the order.
 */
function offer(state: HubState, rows: readonly ChangeLogTable[]): void {
  if (state.running || rows.length === 0 || state.position < 0) {
    void wake(state);
    return;
  }
  for (let i = 0; i < rows.length; i++) {
    if (Number((rows[i] as ChangeLogTable).seq) !== state.position + 1 + i) {
      void wake(state);
      return;
    }
  }
  broadcast(state, rows);
}

/** Reads and broadcasts whatever committed since the last round. Coalesces concurrent wakes. */
async function wake(state: HubState): Promise<void> {
  if (state.started) await state.started;
  if (state.running) {
    state.again = true;
    return;
  }
  state.running = true;
  try {
    do {
      state.again = false;
      await pump(state);
    } while (state.again);
  } catch (error) {
    state.options.onError(error);
  } finally {
    state.running = false;
  }
}

function heartbeat(state: HubState): void {
  void wake(state).then(() => {
    if (state.connections.size === 0) return;
    const bytes = heartbeatFrame(state.position, state.options.now());
    for (const connection of state.connections) {
      if (!connection.queue) connection.write(bytes);
    }
  });
}

function start(state: HubState): Promise<void> {
  state.started ??= state.options.readHead().then((head) => {
    state.position = head;
    state.heardAt = performance.now();
    state.timer = setInterval(() => heartbeat(state), state.options.heartbeatMs);
    state.timer.unref();
  });
  return state.started;
}

/** Writes what was queued during catch-up and switches the connection to live frames. */
function goLive(state: HubState, connection: FeedConnection): void {
  const queued = connection.queue ?? [];
  connection.queue = null;
  for (const { seq, bytes } of queued) send(state, connection, seq, bytes);
}

function stop(state: HubState): void {
  if (state.timer) clearInterval(state.timer);
  state.timer = undefined;
  state.heardAt = null;
  for (const connection of state.connections) connection.destroy("authority shutting down");
  state.connections.clear();
}

export function createFeedHub(options: HubOptions) {
  const state: HubState = {
    options,
    connections: new Set(),
    position: -1,
    running: false,
    again: false,
    timer: undefined,
    started: undefined,
    heardAt: null,
  };
  return {
    start: () => start(state),
    wake: () => wake(state),
    offer: (rows: readonly ChangeLogTable[]) => offer(state, rows),
    /** The last sequence broadcast: connections added now get every later change from the hub. */
    position: () => state.position,
    add(connection: FeedConnection): number {
      state.connections.add(connection);
      return state.position;
    },
    remove(connection: FeedConnection): void {
      state.connections.delete(connection);
    },
    goLive: (connection: FeedConnection) => goLive(state, connection),
    connectionCount: () => state.connections.size,
    /** performance.now() of the last read of the change log: how current this instance's view of other writers is. */
    heardAt: () => state.heardAt,
    stop: () => stop(state),
  };
}

export type FeedHub = ReturnType<typeof createFeedHub>;
