/**
 * The verifier's ack stream: one long-lived request to the authority
 * (POST /v1/verifiers/acks/stream) whose body carries applied sequence numbers, a line each,
 * and whose response confirms them (`ok <sequence>`). An ack costs a few bytes on an open
 * connection instead of an HTTP request, on both sides.
 *
 * Nothing depends on the stream working: an ack counts as delivered only once it is confirmed,
 * and a channel that is refused, cut, or does not confirm in time (a proxy that buffers request
 * bodies until they end, say) reports that it closed, and the feed client falls back to one
 * POST per ack.
 * @module
 */
import { type ClientRequest, request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { ACK_STREAM_CONTENT_TYPE } from "./wire.js";

export interface AckChannelOptions {
  /** The authority's base URL, without a trailing slash. */
  base: string;
  credential: string;
  /** The verifier's instance id, as registered with the feed. */
  instance: string;
  /** How long a written ack may wait for its confirmation before the channel is given up. */
  confirmTimeoutMs: number;
  /** The authority has recorded every ack up to `sequence`. */
  onConfirmed(sequence: number): void;
  /**
   * The channel is closed and will not confirm anything more. `worked`: it confirmed at least
   * one ack (so a new channel is worth opening at once; otherwise the stream does not get
   * through and acks should go by POST for a while).
   */
  onClosed(worked: boolean): void;
}

export class AckChannel {
  private readonly req: ClientRequest;
  private written = -1;
  private confirmed = -1;
  private watchdog: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: AckChannelOptions) {
    const url = new URL(`${options.base}/v1/verifiers/acks/stream`);
    url.searchParams.set("instance", options.instance);
    const request = url.protocol === "https:" ? httpsRequest : httpRequest;
    // Its own connection (no agent): a request that lasts for hours must not hold a slot of
    // the pool that other requests of the process share.
    this.req = request(url, {
      method: "POST",
      agent: false,
      headers: {
        authorization: `Bearer ${options.credential}`,
        "content-type": ACK_STREAM_CONTENT_TYPE,
        "transfer-encoding": "chunked",
      },
    });
    this.req.on("socket", (socket) => socket.setNoDelay(true));
    this.req.on("response", (res) => this.read(res));
    this.req.on("error", () => this.close());
    this.req.on("close", () => this.close());
    this.req.flushHeaders();
  }

  /** Writes `sequence` as applied; it is delivered once `onConfirmed` reports it. */
  send(sequence: number): void {
    if (this.closed || sequence <= this.written) return;
    this.written = sequence;
    this.req.write(`${sequence}\n`);
    if (!this.watchdog) this.startWatchdog();
  }

  private startWatchdog(): void {
    this.watchdog = setTimeout(() => {
      this.watchdog = undefined;
      if (this.confirmed < this.written) this.close();
    }, this.options.confirmTimeoutMs);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = undefined;
    this.req.destroy();
    this.options.onClosed(this.confirmed >= 0);
  }

  private read(res: IncomingMessage): void {
    if (res.statusCode !== 200) {
      res.resume();
      this.close();
      return;
    }
    res.setEncoding("latin1");
    let pending = "";
    res.on("data", (chunk: string) => {
      pending += chunk;
      let start = 0;
      for (let at = pending.indexOf("\n"); at !== -1; at = pending.indexOf("\n", start)) {
        const line = pending.slice(start, at);
        start = at + 1;
        const match = /^ok (\d{1,15})$/.exec(line);
        if (!match) {
          this.close();
          return;
        }
        this.confirm(Number(match[1]));
      }
      pending = pending.slice(start);
      if (pending.length > 64) this.close();
    });
    res.on("end", () => this.close());
    res.on("error", () => this.close());
  }

  private confirm(sequence: number): void {
    if (sequence <= this.confirmed) return;
    this.confirmed = sequence;
    // Progress: the deadline starts again for what is still unconfirmed, if anything.
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = undefined;
    if (this.confirmed < this.written) this.startWatchdog();
    this.options.onConfirmed(sequence);
  }
}
