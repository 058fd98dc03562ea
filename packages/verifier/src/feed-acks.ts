/**
 * Acks of the applied sequence, batched, so that the authority can write receipts: on one
 * long-lived ack stream (ack-channel.ts), or by a POST per ack when the stream does not get
 * through.
 * @module
 */
import { performance } from "node:perf_hooks";
import { AckChannel } from "./ack-channel.js";

export interface FeedAckerOptions {
  /** The authority's base URL, without a trailing slash. */
  base: string;
  credential: string;
  instance: string;
  /** The sequence applied now. */
  applied(): number;
  /** Delay before an ack is sent, so that changes applied together are acked once. */
  ackDelayMs?: number;
  /** How long an ack on the ack stream may wait for its confirmation (default 2000 ms). */
  ackConfirmTimeoutMs?: number;
  /** After an ack stream that never confirmed anything, how long acks go by POST (default 30 s). */
  ackStreamRetryMs?: number;
}

export class FeedAcker {
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;
  private acked = -1;
  private channel: AckChannel | null = null;
  /** performance.now() before which acks go by POST (the last stream confirmed nothing). */
  private streamAfter = 0;
  private closed = false;

  constructor(private readonly options: FeedAckerOptions) {}

  /** Acks the applied sequence soon (once for everything applied until then). */
  schedule(delay = this.options.ackDelayMs ?? 5): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.send();
    }, delay);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.channel?.close();
  }

  private async send(): Promise<void> {
    if (this.options.applied() <= this.acked) return;
    if (performance.now() >= this.streamAfter) {
      this.channel ??= this.openChannel();
      this.channel.send(this.options.applied());
      return;
    }
    await this.post();
  }

  private openChannel(): AckChannel {
    const channel: AckChannel = new AckChannel({
      base: this.options.base,
      credential: this.options.credential,
      instance: this.options.instance,
      confirmTimeoutMs: this.options.ackConfirmTimeoutMs ?? 2000,
      onConfirmed: (sequence) => {
        this.acked = Math.max(this.acked, sequence);
      },
      onClosed: (worked) => {
        if (this.channel === channel) this.channel = null;
        if (this.closed) return;
        // A stream that never confirmed does not get through (refused, or buffered on the
        // way): POST for a while. One that worked was cut (a restart): open another at once.
        if (!worked) this.streamAfter = performance.now() + (this.options.ackStreamRetryMs ?? 30_000);
        if (this.options.applied() > this.acked) this.schedule(worked ? 100 : 0);
      },
    });
    return channel;
  }

  private async post(): Promise<void> {
    if (this.inFlight) return;
    const sequence = this.options.applied();
    if (sequence <= this.acked) return;
    this.inFlight = true;
    let retryDelay: number | undefined;
    try {
      const response = await fetch(`${this.options.base}/v1/verifiers/acks`, {
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
      this.inFlight = false;
    }
    if (this.options.applied() > this.acked && !this.closed) this.schedule(retryDelay);
  }
}
