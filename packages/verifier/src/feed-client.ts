/**
 * The feed client: keeps a replica in step with the authority's change feed (SSE over Node's
 * built-in fetch). Loads a snapshot, applies changes strictly in order, re-syncs from a fresh
 * snapshot on a gap or an event it cannot apply, resumes with Last-Event-ID after a dropped
 * connection, and acks its applied sequence (batched) so the authority can write receipts:
 * on one long-lived ack stream (ack-channel.ts), or by a POST per ack when the stream does not
 * get through.
 * @module
 */
import { performance } from "node:perf_hooks";
import { AckChannel } from "./ack-channel.js";
import { MalformedChangeError, Replica } from "./replica.js";
import { createSseParser, type SseEvent } from "./sse.js";

export interface FeedClientOptions {
  url: string;
  credential: string;
  name: string;
  instance: string;
  stalenessMs: number;
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

/** The feed answered with an HTTP error (e.g. 401: the credential is not valid or lacks `feed:read`). */
export class FeedHttpError extends Error {
  override readonly name = "FeedHttpError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BACKOFF_MS = 2000;

export class FeedClient {
  replica: Replica | null = null;
  applied = -1;
  head = -1;
  issuer: string | undefined;
  connected = false;
  /** performance.now() when the replica was last known to be current. */
  freshAt = Number.NEGATIVE_INFINITY;
  resyncs = 0;
  private building: { replica: Replica; sequence: number } | null = null;
  private abort: AbortController | undefined;
  private closed = false;
  private forceSnapshot = false;
  private ackTimer: NodeJS.Timeout | undefined;
  private ackInFlight = false;
  private acked = -1;
  private ackChannel: AckChannel | null = null;
  /** performance.now() before which acks go by POST (the last stream confirmed nothing). */
  private ackStreamAfter = 0;
  private readonly readyWaiters: Array<() => void> = [];
  private readonly base: string;
  private running: Promise<void> | undefined;

  constructor(private readonly options: FeedClientOptions) {
    this.base = options.url.replace(/\/+$/, "");
  }

  start(): void {
    this.running ??= this.run();
  }

  isFresh(now = performance.now()): boolean {
    return this.replica !== null && now - this.freshAt <= this.options.stalenessMs;
  }

  whenReady(): Promise<void> {
    if (this.replica) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (!this.closed) {
      const controller = new AbortController();
      this.abort = controller;
      const parser = createSseParser((event) => this.handle(event, controller));
      try {
        const query = new URLSearchParams({
          name: this.options.name,
          instance: this.options.instance,
          staleness: String(Math.round(this.options.stalenessMs)),
        });
        const headers: Record<string, string> = {
          authorization: `Bearer ${this.options.credential}`,
          accept: "text/event-stream",
        };
        if (this.replica && !this.forceSnapshot) headers["last-event-id"] = String(this.applied);
        this.forceSnapshot = false;
        const response = await fetch(`${this.base}/v1/feed?${query}`, { headers, signal: controller.signal });
        if (!response.ok || !response.body) {
          const text = await response.text().catch(() => "");
          throw new FeedHttpError(response.status, `feed answered HTTP ${response.status}: ${text.slice(0, 200)}`);
        }
        this.connected = true;
        const decoder = new TextDecoder();
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          parser.push(decoder.decode(chunk, { stream: true }));
          if (controller.signal.aborted) break;
          backoff = 100;
        }
      } catch (error) {
        if (!controller.signal.aborted && !this.closed) this.options.onError(error as Error);
      } finally {
        this.connected = false;
        this.building = null;
        controller.abort();
      }
      if (this.closed) break;
      if (this.forceSnapshot) continue;
      await new Promise((resolve) => setTimeout(resolve, backoff * (0.5 + Math.random() / 2)));
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
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
      switch (event.event) {
        case "hello": {
          const hello = JSON.parse(event.data) as { issuer?: unknown; head?: unknown };
          if (typeof hello.issuer === "string") this.issuer = hello.issuer;
          if (typeof hello.head === "number") this.head = hello.head;
          return;
        }
        case "snapshot": {
          const snapshot = JSON.parse(event.data) as { sequence: unknown; oauth: unknown };
          if (typeof snapshot.sequence !== "number") {
            this.resync(controller, "snapshot without sequence");
            return;
          }
          const replica = new Replica();
          replica.setOAuthState(snapshot.oauth ?? {});
          this.building = { replica, sequence: snapshot.sequence };
          return;
        }
        case "keys":
          if (!this.building) {
            this.resync(controller, "keys outside a snapshot");
            return;
          }
          this.building.replica.addChunk(JSON.parse(event.data));
          return;
        case "snapshot_end": {
          const end = JSON.parse(event.data) as { sequence: unknown };
          if (!this.building || end.sequence !== this.building.sequence) {
            this.resync(controller, "snapshot end does not match its start");
            return;
          }
          this.replica = this.building.replica;
          this.applied = this.building.sequence;
          this.building = null;
          this.options.onReplica?.(this.replica);
          this.fresh();
          this.scheduleAck();
          for (const wake of this.readyWaiters.splice(0)) wake();
          return;
        }
        case "change": {
          if (!this.replica || this.building) {
            this.resync(controller, "change before a snapshot");
            return;
          }
          const change = JSON.parse(event.data) as { seq: unknown; type: unknown; data: unknown };
          if (typeof change.seq !== "number" || typeof change.type !== "string") {
            this.resync(controller, "change without seq or type");
            return;
          }
          if (change.seq <= this.applied) return;
          if (change.seq !== this.applied + 1) {
            this.resync(controller, `gap: applied ${this.applied}, received ${change.seq}`);
            return;
          }
          this.replica.apply(change.type, change.data);
          this.applied = change.seq;
          if (this.applied > this.head) this.head = this.applied;
          this.fresh();
          this.scheduleAck();
          return;
        }
        case "heartbeat": {
          const beat = JSON.parse(event.data) as { head: unknown };
          if (typeof beat.head !== "number") return;
          this.head = Math.max(this.head, beat.head);
          // A heartbeat vouches for the replica only when nothing is missing.
          if (this.replica && !this.building && beat.head <= this.applied) this.fresh();
          return;
        }
        default:
          return;
      }
    } catch (error) {
      this.resync(controller, (error as Error).message);
    }
  }

  private fresh(): void {
    this.freshAt = performance.now();
  }

  private scheduleAck(delay = this.options.ackDelayMs ?? 5): void {
    if (this.ackTimer || this.closed) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = undefined;
      void this.sendAck();
    }, delay);
  }

  private async sendAck(): Promise<void> {
    if (this.applied <= this.acked) return;
    if (performance.now() >= this.ackStreamAfter) {
      this.ackChannel ??= this.openAckChannel();
      this.ackChannel.send(this.applied);
      return;
    }
    await this.postAck();
  }

  private openAckChannel(): AckChannel {
    const channel: AckChannel = new AckChannel({
      base: this.base,
      credential: this.options.credential,
      instance: this.options.instance,
      confirmTimeoutMs: this.options.ackConfirmTimeoutMs ?? 2000,
      onConfirmed: (sequence) => {
        this.acked = Math.max(this.acked, sequence);
      },
      onClosed: (worked) => {
        if (this.ackChannel === channel) this.ackChannel = null;
        if (this.closed) return;
        // A stream that never confirmed does not get through (refused, or buffered on the
        // way): POST for a while. One that worked was cut (a restart): open another at once.
        if (!worked) this.ackStreamAfter = performance.now() + (this.options.ackStreamRetryMs ?? 30_000);
        if (this.applied > this.acked) this.scheduleAck(worked ? 100 : 0);
      },
    });
    return channel;
  }

  private async postAck(): Promise<void> {
    if (this.ackInFlight) return;
    const sequence = this.applied;
    if (sequence <= this.acked) return;
    this.ackInFlight = true;
    let retryDelay: number | undefined;
    try {
      const response = await fetch(`${this.base}/v1/verifiers/acks`, {
        method: "POST",
        headers: { authorization: `Bearer ${this.options.credential}`, "content-type": "application/json" },
        body: JSON.stringify({ acks: [{ verifierId: this.options.instance, sequence }] }),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) this.acked = Math.max(this.acked, sequence);
      else retryDelay = 1000;
    } catch {
      retryDelay = 500;
    } finally {
      this.ackInFlight = false;
    }
    if (this.applied > this.acked && !this.closed) this.scheduleAck(retryDelay);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackChannel?.close();
    this.abort?.abort();
    await this.running?.catch(() => undefined);
  }
}
