const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Milliseconds from a number (ms) or a duration such as `5s`, `500ms`, `1m`. Throws a
 * TypeError naming `field` otherwise.
 * @example
 * toMilliseconds("5s", "staleness") // 5000
 */
export function toMilliseconds(value: number | string, field: string): number {
  if (typeof value === "number") {
    if (Number.isFinite(value) && value >= 0) return value;
    throw new TypeError(`${field} must be a non-negative number of milliseconds`);
  }
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(String(value).trim());
  if (!match) throw new TypeError(`${field} must be a duration such as 5s, 500ms or 1m`);
  return Number(match[1]) * (UNITS[match[2] as string] as number);
}
