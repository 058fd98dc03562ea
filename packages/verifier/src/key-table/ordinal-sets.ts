/**
 * Membership tests of key ordinals in the sets large revocations name: ascending inclusive
 * ranges, and ascending lists. Binary search: the bulk revocations call these once per live key.
 * @module
 */

/** Whether `value` lies in one of `ranges` (`[lo0, hi0, ...]`, ascending, inclusive). */
export function inRanges(ranges: Float64Array, value: number): boolean {
  // The last range whose lo <= value, then its hi.
  let low = 0;
  let high = (ranges.length >>> 1) - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    if ((ranges[mid << 1] as number) <= value) low = mid + 1;
    else high = mid - 1;
  }
  return high >= 0 && value <= (ranges[(high << 1) + 1] as number);
}

/** Whether ascending `sorted` holds `value`. */
export function sortedHas(sorted: Float64Array, value: number): boolean {
  let low = 0;
  let high = sorted.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const at = sorted[mid] as number;
    if (at === value) return true;
    if (at < value) low = mid + 1;
    else high = mid - 1;
  }
  return false;
}
