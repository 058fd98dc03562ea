/**
 * Repeated authentication failures become one audit record per source and window, so that a
 * flood of bad credentials cannot grow the audit trail without bound.
 *
 * The first failure of a source (an action and a client address) in a window is written at
 * once, with all its detail, exactly as a single failure always was. Later failures of that
 * source in the same window are only counted; when the window ends (checked by a timer and on
 * the source's next failure) or on shutdown, one summary record carries their count, the
 * reasons, and a few of the routes and credentials (key ids, display starts, client ids) seen.
 *
 * Memory is bounded: at most `maxSources` sources are tracked; failures of further sources are
 * counted together under the overflow address `*` (first one written, the rest summarised),
 * so an address spray still writes at most `2 * (maxSources + 1)` records per window.
 */
import type { Clock } from "../clock.js";

/** The address under which failures past the source cap are counted together. */
export const OVERFLOW_SOURCE = "*";

/** How many distinct routes and credentials a summary names. */
const SAMPLE_LIMIT = 10;

export interface FailureEvent {
  /** The audit action, e.g. `auth.failed` or `oauth.client_auth.failed`. */
  action: string;
  ip: string;
  route: string;
  reason: string;
  /** Something that names the presented credential without being secret: a key id, a display start, a client id. */
  credential?: string;
}

/** What the summary record of one source and window says. */
export interface FailureSummary {
  action: string;
  ip: string;
  /** Failures after the first (which was recorded on its own). */
  count: number;
  /** Epoch ms of the first and last summarised failure. */
  from: number;
  to: number;
  reasons: Record<string, number>;
  routes: string[];
  credentials: string[];
}

interface SourceWindow {
  action: string;
  ip: string;
  start: number;
  count: number;
  from: number;
  to: number;
  reasons: Record<string, number>;
  routes: Set<string>;
  credentials: Set<string>;
}

export interface FailureAggregatorOptions {
  clock: Clock;
  windowMs: number;
  maxSources: number;
  writeSummary(summary: FailureSummary): Promise<void>;
  /** A summary that could not be written (the refusals stand; the log says so). */
  onError(error: unknown): void;
}

function addSample(set: Set<string>, value: string | undefined): void {
  if (value !== undefined && set.size < SAMPLE_LIMIT) set.add(value.slice(0, 128));
}

function toSummary(window: SourceWindow): FailureSummary {
  return {
    action: window.action,
    ip: window.ip,
    count: window.count,
    from: window.from,
    to: window.to,
    reasons: window.reasons,
    routes: [...window.routes],
    credentials: [...window.credentials],
  };
}

function openWindow(action: string, ip: string, now: number): SourceWindow {
  const samples = { reasons: {}, routes: new Set<string>(), credentials: new Set<string>() };
  return { action, ip, start: now, count: 0, from: now, to: now, ...samples };
}

/** A failure after the source's first in this window: only counted, and sampled. */
function countInto(window: SourceWindow, event: FailureEvent, now: number): void {
  if (window.count === 0) window.from = now;
  window.count += 1;
  window.to = now;
  window.reasons[event.reason] = (window.reasons[event.reason] ?? 0) + 1;
  addSample(window.routes, event.route);
  addSample(window.credentials, event.credential);
}

export function createFailureAggregator(options: FailureAggregatorOptions) {
  const windows = new Map<string, SourceWindow>();
  let timer: NodeJS.Timeout | undefined;

  async function write(window: SourceWindow): Promise<void> {
    if (window.count === 0) return;
    try {
      await options.writeSummary(toSummary(window));
    } catch (error) {
      options.onError(error);
    }
  }

  /** Ends `key`'s window if it is over: removed from the map at once, its summary written. */
  async function endIfOver(key: string, now: number): Promise<void> {
    const window = windows.get(key);
    if (!window || now - window.start < options.windowMs) return;
    windows.delete(key);
    await write(window);
  }

  /**
   * Reports one failure. Returns true when the caller must write its full record now (the
   * source's first failure in the window), false when it was counted into the summary.
   */
  async function report(event: FailureEvent): Promise<boolean> {
    const now = options.clock.now();
    const tracked = windows.has(`${event.action} ${event.ip}`) || windows.size < options.maxSources;
    const ip = tracked ? event.ip : OVERFLOW_SOURCE;
    const key = `${event.action} ${ip}`;
    await endIfOver(key, now);
    const window = windows.get(key);
    if (window) {
      countInto(window, event, now);
      return false;
    }
    windows.set(key, openWindow(event.action, ip, now));
    return true;
  }

  /** Writes the summaries of every window that has ended. */
  async function flushDue(): Promise<void> {
    const now = options.clock.now();
    for (const key of [...windows.keys()]) await endIfOver(key, now);
  }

  /** Writes every summary now, windows over or not (shutdown). */
  async function flushAll(): Promise<void> {
    const open = [...windows.values()];
    windows.clear();
    for (const window of open) await write(window);
  }

  return {
    report,
    flushDue,
    flushAll,
    /** Sources tracked now (the memory bound). */
    get size(): number {
      return windows.size;
    },
    /** Checks for ended windows every `intervalMs` (unref'd: never keeps the process alive). */
    start(intervalMs = Math.min(options.windowMs, 10_000)): void {
      if (timer) return;
      timer = setInterval(() => void flushDue(), intervalMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = undefined;
      await flushAll();
    },
  };
}

export type FailureAggregator = ReturnType<typeof createFailureAggregator>;
