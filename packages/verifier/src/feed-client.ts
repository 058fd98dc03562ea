/**
 * The feed client: keeps a replica in step with the authority's change feed (SSE over Node's
 * built-in fetch). Loads a snapshot, applies changes strictly in order, re-syncs from a fresh
 * snapshot on a gap or an event it cannot apply, resumes with Last-Event-ID after a dropped
 * connection, and acks its applied sequence (feed-acks.ts) so the authority can write receipts.
 *
 * Two things end a connection besides the authority: an idle watchdog (no byte, not even a
 * heartbeat, for `idleMs`: the network went silent without closing, and Node's HTTP client
 * would otherwise wait 300 s for its body timeout), and a refusal of the credential (401 or
 * 403), which `whenReady()` reports at once instead of letting the caller wait.
 * @module
 */
import { performance } from "node:perf_hooks";
import { FeedAcker } from "./feed-acks.js";
import { FeedHttpError, FeedIdleError, feedHttpError } from "./feed-errors.js";
import { MalformedChangeError, Replica } from "./replica.js";
import { createSseParser, type SseEvent } from "./sse.js";
import {
  HEARTBEAT_INTERVAL_MS,
  type HeartbeatWire,
  type HelloWire,
  type SnapshotEndWire,
  type SnapshotStartWire,
} from "./wire.js";

export { FeedHttpError } from "./feed-errors.js";

export interface FeedClientOptions {
  url: string;
  credential: string;
  name: string;
  instance: string;
  stalenessMs: number;
  /** Silence after which a live connection is dropped and made again (default 3000 ms). */
  idleMs?: number;
  /** Delay before an ack is sent, so that changes applied together are acked once. */
  ackDelayMs?: number;
  /** How long an ack on the ack stream may wait for its confirmation (default 2000 ms). */
  ackConfirmTimeoutMs?: number;
  /** After an ack stream that never confirmed anything, how long acks go by POST (default 30 s). */
  ackStreamRetryMs?: number;
  onError(error: Error): void;
  /** Called after a snapshot replaced the replica (caches keyed on the old one must go). */
  onReplica?(replica: Replica): void;
}

const INITIAL_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 2000;
/** After a refused credential: retry rarely (each refusal is an audited failure at the authority). */
const REFUSED_RETRY_MS = 10_000;
/** The default idle bound: three missed heartbeats. */
export const DEFAULT_IDLE_MS = 3 * HEARTBEAT_INTERVAL_MS;
/**
 * Until a connection's first heartbeat (while its snapshot or catch-up is written, when the
 * authority sends no heartbeat), the idle bound is at least this: a large snapshot on a busy
 * authority can pause between chunks.
 */
const CATCH_UP_IDLE_MS = 15_000;

type Outcome = "dropped" | "refused";

/**
 * A per-connection timer that fires when nothing arrived for `boundMs()` (which may change:
 * it is checked at least every `idleMs`, the lowest it can be). A check that runs late (this
 * process was busy: bytes may be waiting unread in the socket) looks again once before firing,
 * after pending reads had their turn.
 */
function startWatchdog(idleMs: number, boundMs: () => number, onIdle: () => void) {
  let last = performance.now();
  let fired = false;
  let due = 0;
  let lookedAgain = false;
  let timer: NodeJS.Timeout;
  const arm = (delay: number) => {
    due = performance.now() + delay;
    timer = setTimeout(check, delay);
    timer.unref();
  };
  const check = () => {
    const now = performance.now();
    const silent = now - last;
    if (silent < boundMs()) {
      lookedAgain = false;
      arm(Math.min(idleMs, boundMs() - silent));
    } else if (now - due > idleMs / 2 && !lookedAgain) {
      lookedAgain = true;
      arm(10);
    } else {
      fired = true;
      onIdle();
    }
  };
  arm(idleMs);
  return {
    touch(): void {
      last = performance.now();
    },
    stop(): void {
      clearTimeout(timer);
    },
    get fired(): boolean {
      return fired;
    },
  };
}

export class FeedClient {
  replica: Replica | null = null;
  applied = -1;
  head = -1;
  issuer: string | undefined;
  connected = false;
  /** performance.now() when the replica was last known to be current. */
  freshAt = Number.NEGATIVE_INFINITY;
  resyncs = 0;
  /** The authority's last refusal of the credential (401/403), until a connection succeeds. */
  refusal: FeedHttpError | null = null;
  private building: { replica: Replica; sequence: number } | null = null;
  private abort: AbortController | undefined;
  private closed = false;
  private forceSnapshot = false;
  /** Whether the current connection has had a heartbeat (it is live, not catching up). */
  private live = false;
  private readonly idleMs: number;
  private readonly acker: FeedAcker;
  private readonly readyWaiters: Array<{ resolve(): void; reject(error: Error): void }> = [];
  private readonly base: string;
  private running: Promise<void> | undefined;
  private wakeFromPause: (() => void) | undefined;

  constructor(private readonly options: FeedClientOptions) {
    this.base = options.url.replace(/\/+$/, "");
    this.idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
    this.acker = new FeedAcker({ ...options, base: this.base, applied: () => this.applied });
  }

  start(): void {
    this.running ??= this.run();
  }

  isFresh(now = performance.now()): boolean {
    return this.replica !== null && now - this.freshAt <= this.options.stalenessMs;
  }

  /** Resolves once a snapshot is loaded; rejects at once while the authority refuses the credential. */
  whenReady(): Promise<void> {
    if (this.replica) return Promise.resolve();
    if (this.refusal) return Promise.reject(this.refusal);
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  private async run(): Promise<void> {
    let backoff = INITIAL_BACKOFF_MS;
    while (!this.closed) {
      const outcome = await this.connect(() => {
        backoff = INITIAL_BACKOFF_MS;
      });
      if (this.closed) break;
      if (this.forceSnapshot) continue;
      const delay = outcome === "refused" ? REFUSED_RETRY_MS : backoff;
      await this.pause(delay * (0.5 + Math.random() / 2));
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  /** Waits before the next connection; `close()` ends the wait. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeFromPause = done;
    });
  }

  /** One connection, from the request to its end. `onData`: bytes arrived (the link works). */
  private async connect(onData: () => void): Promise<Outcome> {
    const controller = new AbortController();
    this.abort = controller;
    this.live = false;
    const watchdog = startWatchdog(
      this.idleMs,
      () => (this.live ? this.idleMs : Math.max(this.idleMs, CATCH_UP_IDLE_MS)),
      () => controller.abort(),
    );
    const parser = createSseParser((event) => this.handle(event, controller));
    try {
      const response = await fetch(`${this.base}/v1/feed?${this.query()}`, {
        headers: this.requestHeaders(),
        signal: controller.signal,
      });
      if (!response.ok || !response.body) throw await feedHttpError(response);
      this.connected = true;
      this.refusal = null;
      const decoder = new TextDecoder();
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        watchdog.touch();
        parser.push(decoder.decode(chunk, { stream: true }));
        // Applying a large chunk takes time too: silence counts from when it was done.
        watchdog.touch();
        if (controller.signal.aborted) break;
        onData();
      }
    } catch (error) {
      if (watchdog.fired && !this.closed) {
        this.options.onError(new FeedIdleError(`feed connection silent for ${this.idleMs}ms: reconnecting`));
      } else if (!controller.signal.aborted && !this.closed) {
        this.options.onError(error as Error);
        if (error instanceof FeedHttpError && error.refusesCredential) {
          this.refuse(error);
          return "refused";
        }
      }
    } finally {
      watchdog.stop();
      this.connected = false;
      this.building = null;
      controller.abort();
    }
    return "dropped";
  }

  private query(): URLSearchParams {
    return new URLSearchParams({
      name: this.options.name,
      instance: this.options.instance,
      staleness: String(Math.round(this.options.stalenessMs)),
    });
  }

  private requestHeaders(): Record<string, string> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.options.credential}`,
      accept: "text/event-stream",
    };
    if (this.replica && !this.forceSnapshot) headers["last-event-id"] = String(this.applied);
    this.forceSnapshot = false;
    return headers;
  }

  private refuse(error: FeedHttpError): void {
    this.refusal = error;
    for (const waiter of this.readyWaiters.splice(0)) waiter.reject(error);
  }

  /** Drops the connection and reconnects for a fresh snapshot. */
  private resync(controller: AbortController, why: string): void {
    this.resyncs++;
    this.forceSnapshot = true;
    this.building = null;
    this.options.onError(new MalformedChangeError(`re-syncing from a snapshot: ${why}`));
    controller.abort();
  }

  private handle(event: SseEvent, controller: AbortController): void {
    if (controller.signal.aborted) return;
    try {
      const problem = this.apply(event);
      if (problem !== null) this.resync(controller, problem);
    } catch (error) {
      this.resync(controller, (error as Error).message);
    }
  }

  /** Applies one feed event; returns why the replica must re-sync, or null. */
  private apply(event: SseEvent): string | null {
    switch (event.event) {
      case "hello":
        return this.onHello(JSON.parse(event.data) as Partial<HelloWire>);
      case "snapshot":
        return this.onSnapshot(JSON.parse(event.data) as Partial<SnapshotStartWire>);
      case "keys":
        if (!this.building) return "keys outside a snapshot";
        this.building.replica.addChunk(JSON.parse(event.data));
        return null;
      case "snapshot_end":
        return this.onSnapshotEnd(JSON.parse(event.data) as Partial<SnapshotEndWire>);
      case "change":
        return this.onChange(JSON.parse(event.data) as { seq: unknown; type: unknown; data: unknown });
      case "heartbeat":
        return this.onHeartbeat(JSON.parse(event.data) as Partial<HeartbeatWire>);
      default:
        return null;
    }
  }

  private onHello(hello: Partial<HelloWire>): null {
    if (typeof hello.issuer === "string") this.issuer = hello.issuer;
    if (typeof hello.head === "number") this.head = hello.head;
    return null;
  }

  private onSnapshot(snapshot: Partial<SnapshotStartWire>): string | null {
    if (typeof snapshot.sequence !== "number") return "snapshot without sequence";
    const replica = new Replica();
    replica.setOAuthState(snapshot.oauth ?? {});
    this.building = { replica, sequence: snapshot.sequence };
    return null;
  }

  private onSnapshotEnd(end: Partial<SnapshotEndWire>): string | null {
    if (!this.building || end.sequence !== this.building.sequence) return "snapshot end does not match its start";
    this.replica = this.building.replica;
    this.applied = this.building.sequence;
    this.building = null;
    this.options.onReplica?.(this.replica);
    this.fresh();
    this.acker.schedule();
    for (const waiter of this.readyWaiters.splice(0)) waiter.resolve();
    return null;
  }

  private onChange(change: { seq: unknown; type: unknown; data: unknown }): string | null {
    if (!this.replica || this.building) return "change before a snapshot";
    if (typeof change.seq !== "number" || typeof change.type !== "string") return "change without seq or type";
    if (change.seq <= this.applied) return null;
    if (change.seq !== this.applied + 1) return `gap: applied ${this.applied}, received ${change.seq}`;
    this.replica.apply(change.type, change.data);
    this.applied = change.seq;
    if (this.applied > this.head) this.head = this.applied;
    this.fresh();
    this.acker.schedule();
    return null;
  }

  private onHeartbeat(beat: Partial<HeartbeatWire>): null {
    this.live = true;
    if (typeof beat.head !== "number") return null;
    this.head = Math.max(this.head, beat.head);
    // A heartbeat vouches for the replica only when nothing is missing.
    if (this.replica && !this.building && beat.head <= this.applied) this.fresh();
    return null;
  }

  private fresh(): void {
    this.freshAt = performance.now();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.acker.close();
    this.abort?.abort();
    this.wakeFromPause?.();
    await this.running?.catch(() => undefined);
  }
}
