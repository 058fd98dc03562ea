/**
 * When a failed delivery is tried again: 10 s, 30 s, 2 min, 10 min, 1 h, 3 h, 6 h, 12 h after
 * each failure (about 22 hours in all), each delay moved by up to ±20% so that the retries of
 * many deliveries that failed together do not arrive together. After the ninth attempt the
 * delivery is `failed`.
 */
export const RETRY_DELAYS_MS: readonly number[] = [
  10_000,
  30_000,
  120_000,
  600_000,
  3_600_000,
  3 * 3_600_000,
  6 * 3_600_000,
  12 * 3_600_000,
];

export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

export const JITTER = 0.2;

/**
 * The delay before the next attempt after `attempts` failed ones, or null when none is left.
 * `random` returns a number in [0, 1).
 */
export function retryDelay(attempts: number, random: () => number = Math.random): number | null {
  const base = RETRY_DELAYS_MS[attempts - 1];
  if (base === undefined) return null;
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()));
}
