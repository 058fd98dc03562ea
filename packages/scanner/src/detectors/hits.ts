/** Walking keyword hits for detectors that read a run of characters from each hit. */
import type { DetectorMatch, KeywordHit } from "../types.js";

/** What examining one hit found: how far it read, and the match's end when there is one. */
export interface HitExamination {
  readUntil: number;
  matchEnd?: number;
}

/**
 * Examines each keyword hit that an earlier examination has not already read past, so that a
 * keyword repeated a million times stays linear; a match is the text from the hit to `matchEnd`.
 * `examine` answers null when the hit is not worth reading at all.
 */
export function examineHitsOnce(
  text: string,
  hits: readonly KeywordHit[],
  examine: (start: number) => HitExamination | null,
): DetectorMatch[] {
  const matches: DetectorMatch[] = [];
  let readUntil = -1;
  for (const hit of hits) {
    if (hit.start < readUntil) continue;
    const examined = examine(hit.start);
    if (examined === null) continue;
    readUntil = examined.readUntil;
    if (examined.matchEnd !== undefined) {
      readUntil = Math.max(readUntil, examined.matchEnd);
      matches.push({ start: hit.start, end: examined.matchEnd, secret: text.slice(hit.start, examined.matchEnd) });
    }
  }
  return matches;
}
