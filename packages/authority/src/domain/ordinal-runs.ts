/**
 * Ranges of key ordinals that describe a revocation exactly: every revoked ordinal lies in a
 * range, and no surviving key's ordinal does. A verifier that holds the state just before the
 * revocation revokes, of one principal's keys, those whose ordinal falls in a range: the same
 * keys the database revoked, told in a few numbers instead of an id each.
 */

/**
 * The maximal ranges `[lo0, hi0, lo1, hi1, ...]` (ascending, inclusive) covering `revoked`
 * without covering any of `survivors` (the same principal's keys left unrevoked). Ordinals are
 * unique, so no value is in both lists; were one, it would end a range (the safe side).
 */
export function ordinalRuns(revoked: readonly number[], survivors: readonly number[]): number[] {
  const r = Float64Array.from(revoked).sort();
  const s = Float64Array.from(survivors).sort();
  const runs: number[] = [];
  let next = 0;
  for (let i = 0; i < r.length; ) {
    const lo = r[i] as number;
    while (next < s.length && (s[next] as number) < lo) next++;
    // The first survivor at or above `lo` bounds the range.
    const barrier = next < s.length ? (s[next] as number) : Number.POSITIVE_INFINITY;
    let hi = lo;
    for (i++; i < r.length && (r[i] as number) < barrier; i++) hi = r[i] as number;
    runs.push(lo, hi);
  }
  return runs;
}
