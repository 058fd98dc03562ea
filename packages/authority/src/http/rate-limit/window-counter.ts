/**
 * Fixed-window counters per key (a client address, a client id), in memory, with a bound on
 * how many keys are tracked. Time comes from the injected clock so tests can move it.
 *
 * Each key's window starts at its first event and lasts `windowMs`. Entries sit in the map in
 * the order their windows started (a restarted window is deleted and re-inserted), so expired
 * entries are always at the front and a sweep stops at the first live one.
 */
import type { Clock } from "../../clock.js";

/** Where events of keys beyond the cap are counted, together: a spray of addresses shares one budget. */
export const OVERFLOW_KEY = "\u0000overflow";

interface Window {
  start: number;
  count: number;
}

export interface WindowCounterOptions {
  clock: Clock;
  windowMs: number;
  /** Events allowed per key and window; 0 turns the counter off (never limited). */
  max: number;
  /** Keys tracked at once; past it new keys share the overflow key's window. */
  maxKeys: number;
}

export class WindowCounter {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly options: WindowCounterOptions) {}

  get enabled(): boolean {
    return this.options.max > 0;
  }

  /** Keys tracked now (for tests and the memory bound). */
  get size(): number {
    return this.windows.size;
  }

  /** Counts one event of `key`; returns the ms until its window ends if it is now over the limit, else 0. */
  hit(key: string): number {
    if (!this.enabled) return 0;
    const now = this.options.clock.now();
    const window = this.open(key, now);
    window.count += 1;
    return window.count > this.options.max ? this.remaining(window, now) : 0;
  }

  /** Without counting: the ms until `key`'s window ends if it already used up its events, else 0. */
  blockedFor(key: string): number {
    if (!this.enabled) return 0;
    const now = this.options.clock.now();
    const window =
      this.windows.get(key) ?? (this.windows.size >= this.options.maxKeys ? this.windows.get(OVERFLOW_KEY) : undefined);
    if (!window || !this.live(window, now)) return 0;
    return window.count >= this.options.max ? this.remaining(window, now) : 0;
  }

  private live(window: Window, now: number): boolean {
    return now - window.start < this.options.windowMs;
  }

  private remaining(window: Window, now: number): number {
    return Math.max(1, window.start + this.options.windowMs - now);
  }

  /** The open window of `key`, or of the overflow key when the map is full; a fresh one if it ended. */
  private open(key: string, now: number): Window {
    const own = this.windows.get(key);
    if (own && this.live(own, now)) return own;
    if (own) this.windows.delete(key);
    this.sweep(now);
    const tracked = this.windows.size < this.options.maxKeys ? key : OVERFLOW_KEY;
    const existing = this.windows.get(tracked);
    if (existing && this.live(existing, now)) return existing;
    // Deleted and set again so the map stays in window-start order.
    this.windows.delete(tracked);
    const window = { start: now, count: 0 };
    this.windows.set(tracked, window);
    return window;
  }

  /** Drops windows that ended, oldest first, stopping at the first that is still open. */
  private sweep(now: number): void {
    for (const [key, window] of this.windows) {
      if (now - window.start < this.options.windowMs) return;
      this.windows.delete(key);
    }
  }
}
