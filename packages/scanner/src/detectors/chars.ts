/** Character-class helpers for detectors: plain loops, bounded, no regex backtracking. */

export function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** base64url alphabet plus nothing else: letters, digits, `-`, `_`. */
export function isBase64UrlChar(c: number): boolean {
  return isAlnum(c) || c === 45 || c === 95;
}

/** Standard base64 alphabet without padding: letters, digits, `+`, `/`. */
export function isBase64Char(c: number): boolean {
  return isAlnum(c) || c === 43 || c === 47;
}

/** Length of the run of characters accepted by `accept` starting at `from`, capped at `max`. */
export function runLength(text: string, from: number, accept: (c: number) => boolean, max: number): number {
  let i = from;
  const limit = Math.min(text.length, from + max);
  while (i < limit && accept(text.charCodeAt(i))) i++;
  return i - from;
}

/** True when `text` has `literal` at `at`, compared exactly (detectors get case-folded hits). */
export function hasAt(text: string, at: number, literal: string): boolean {
  return text.startsWith(literal, at);
}
