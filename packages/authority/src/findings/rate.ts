/**
 * A key's rate baseline: verifications per minute folded into an exponentially weighted mean and
 * variance (West's incremental form, alpha 0.1: about the last ten minutes weigh most), one
 * sample per completed minute, idle minutes counted as zeros (at most a day of them at once).
 */
import type { FindingKeyStateTable } from "../db/schema.js";

export const MINUTE = 60_000;
const ALPHA = 0.1;
const MAX_IDLE_MINUTES = 1440;

export type RateState = Pick<FindingKeyStateTable, "minute" | "minute_count" | "mean" | "variance" | "samples">;

function fold(state: RateState, x: number): void {
  if (state.samples === 0) {
    state.mean = x;
    state.variance = 0;
  } else {
    const diff = x - state.mean;
    const increment = ALPHA * diff;
    state.mean += increment;
    state.variance = (1 - ALPHA) * (state.variance + diff * increment);
  }
  state.samples += 1;
}

/** Moves `state` to the minute of `now`, folding the minutes completed since, and adds `count`. */
export function advance(state: RateState, now: number, count: number): void {
  const minute = now - (now % MINUTE);
  if (minute > state.minute) {
    fold(state, state.minute_count);
    const idle = Math.min((minute - state.minute) / MINUTE - 1, MAX_IDLE_MINUTES);
    for (let i = 0; i < idle; i++) fold(state, 0);
    state.minute = minute;
    state.minute_count = 0;
  }
  state.minute_count += count;
}

/** Whether the current minute is a spike: far above the mean, with enough history and volume. */
export function isSpike(state: RateState, params: Record<string, number>): boolean {
  const { deviations = 6, minSamples = 60, minPerMinute = 100 } = params;
  if (state.samples < minSamples || state.minute_count < minPerMinute) return false;
  return state.minute_count > state.mean + deviations * Math.sqrt(state.variance);
}
