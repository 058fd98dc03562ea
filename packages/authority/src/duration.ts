import { validationFailed } from "./errors.js";

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parses a duration such as `90d`, `12h`, `30m`, `45s`, `500ms` or `1d12h` into milliseconds.
 * Throws `validation_failed` naming `field` for anything else.
 */
export function parseDuration(text: string, field = "duration"): number {
  const trimmed = text.trim();
  const pattern = /(\d+)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let consumed = 0;
  for (const match of trimmed.matchAll(pattern)) {
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
    consumed += match[0].length;
  }
  if (trimmed.length === 0 || consumed !== trimmed.length || !Number.isSafeInteger(total)) {
    throw validationFailed(`${field} must be a duration such as 90d, 12h, 30m or 45s`, {
      field,
    });
  }
  return total;
}

/** Formats milliseconds as the largest whole units, e.g. 90061000 -> "1d1h1m1s". */
export function formatDuration(ms: number): string {
  if (ms <= 0) return "0s";
  let rest = ms;
  let out = "";
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ] as const) {
    const whole = Math.floor(rest / size);
    if (whole > 0) {
      out += `${whole}${unit}`;
      rest -= whole * size;
    }
  }
  return out || `${ms}ms`;
}
