/**
 * The broadcaster of one authority instance: reads the change log after the last sequence it
 * sent, in order, encodes each change once and writes the same bytes to every connection.
 * Handed the rows of local commits (offer), woken by PostgreSQL NOTIFY from any instance, and
 * polling once a second (so a missed notification delays a change by a second at most, never
 * loses it).
 */
import type { ChangeLogTable } from "../db/schema.js";
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

export function createFeedHub(options: HubOptions) {
  const connections = new Set<FeedConnection>();
  let position = -1;
  let running = false;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let started: Promise<void> | undefined;

  function send(connection: FeedConnection, seq: number, bytes: Buffer): void {
    if (connection.queue) {
      connection.queue.push({ seq, bytes });
      return;
    }
    if (seq <= connection.sent) return;
    connection.sent = seq;
    connection.write(bytes);
    if (connection.buffered() > options.maxBufferedBytes) connection.destroy("too far behind");
  }

  /** Encodes each row once and writes it to every connection; `rows` follow `position`. */
  function broadcast(rows: readonly ChangeLogTable[]): void {
    const sent: number[] = [];
    for (const row of rows) {
      const seq = Number(row.seq);
      const bytes = changeFrame(row);
      position = seq;
      for (const connection of connections) send(connection, seq, bytes);
      sent.push(seq);
    }
    options.onBroadcast?.(sent);
  }

  async function pump(): Promise<void> {
    for (;;) {
      const rows = await options.readChanges(position, PAGE);
      if (rows.length === 0) return;
      broadcast(rows);
      if (rows.length < PAGE) return;
    }
  }

  /**
   * Broadcasts rows a local transaction has just committed, without reading them back, when
   * they are exactly the next ones; otherwise (another writer's rows are still in flight, or a
   * read is under way) leaves them to a read, which keeps the order.
   */
  function offer(rows: readonly ChangeLogTable[]): void {
    if (running || rows.length === 0 || position < 0) {
      void wake();
      return;
    }
    for (let i = 0; i < rows.length; i++) {
      if (Number((rows[i] as ChangeLogTable).seq) !== position + 1 + i) {
        void wake();
        return;
      }
    }
    broadcast(rows);
  }

  /** Reads and broadcasts whatever committed since the last round. Coalesces concurrent wakes. */
  async function wake(): Promise<void> {
    if (started) await started;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await pump();
      } while (again);
    } catch (error) {
      options.onError(error);
    } finally {
      running = false;
    }
  }

  function heartbeat(): void {
    void wake().then(() => {
      if (connections.size === 0) return;
      const bytes = heartbeatFrame(position, options.now());
      for (const connection of connections) {
        if (!connection.queue) connection.write(bytes);
      }
    });
  }

  function start(): Promise<void> {
    started ??= options.readHead().then((head) => {
      position = head;
      timer = setInterval(heartbeat, options.heartbeatMs);
      timer.unref();
    });
    return started;
  }

  return {
    start,
    wake,
    offer,
    /** The last sequence broadcast: connections added now get every later change from the hub. */
    position: () => position,
    add(connection: FeedConnection): number {
      connections.add(connection);
      return position;
    },
    remove(connection: FeedConnection): void {
      connections.delete(connection);
    },
    /** Writes what was queued during catch-up and switches the connection to live frames. */
    goLive(connection: FeedConnection): void {
      const queued = connection.queue ?? [];
      connection.queue = null;
      for (const { seq, bytes } of queued) send(connection, seq, bytes);
    },
    connectionCount: () => connections.size,
    stop(): void {
      if (timer) clearInterval(timer);
      timer = undefined;
      for (const connection of connections) connection.destroy("authority shutting down");
      connections.clear();
    },
  };
}

export type FeedHub = ReturnType<typeof createFeedHub>;
