import { shannonEntropy } from "../entropy.js";
import type { Detector, DetectorMatch, KeywordHit } from "../types.js";
import { isAlnum, isBase64Char, runLength } from "./chars.js";
import { isPlaceholder } from "./placeholders.js";

/** How far (characters) from the key id a secret access key may be to count as its pair. */
export const AWS_PAIR_WINDOW = 512;

const KEY_ID = /(?:AKIA|ASIA)[A-Z2-7]{16}/y;

/**
 * AWS access key pairs: an `AKIA`/`ASIA` key id and, within {@link AWS_PAIR_WINDOW} characters, a
 * 40-character secret access key (base64 alphabet, high entropy, mixed case and digits). A key id
 * alone is not a usable credential and is not reported.
 */
export const awsDetector: Detector = {
  id: "aws",
  description: "AWS access key id with its secret access key nearby",
  keywords: ["akia", "asia"],
  priority: 10,
  detect(text: string, hits: readonly KeywordHit[]): DetectorMatch[] {
    const matches: DetectorMatch[] = [];
    // Windows of nearby key ids overlap: judge each candidate secret once.
    const verdicts = new Map<number, boolean>();
    for (const hit of hits) {
      KEY_ID.lastIndex = hit.start;
      if (!KEY_ID.test(text)) continue;
      const idEnd = hit.start + 20;
      if (isAlnum(text.charCodeAt(hit.start - 1)) || isAlnum(text.charCodeAt(idEnd))) continue;
      const keyId = text.slice(hit.start, idEnd);
      if (isPlaceholder(keyId)) continue;
      const secret = nearestSecret(text, hit.start, idEnd, verdicts);
      if (secret === null) continue;
      matches.push({
        start: hit.start,
        end: idEnd,
        secret: `${keyId}:${secret.text}`,
        label: keyId,
        related: { start: secret.start, end: secret.start + 40 },
      });
    }
    return matches;
  },
};

function nearestSecret(
  text: string,
  idStart: number,
  idEnd: number,
  verdicts: Map<number, boolean>,
): { text: string; start: number } | null {
  const from = Math.max(0, idStart - AWS_PAIR_WINDOW);
  const to = Math.min(text.length, idEnd + AWS_PAIR_WINDOW);
  let best: { text: string; start: number } | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  let i = from;
  while (i < to) {
    if (!isBase64Char(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const run = runLength(text, i, isBase64Char, 41);
    if (
      run === 40 &&
      text.charCodeAt(i + 40) !== 61 /* = */ &&
      i >= from &&
      (i === 0 || !isBase64Char(text.charCodeAt(i - 1)))
    ) {
      const distance = Math.abs(i - idStart);
      let verdict = verdicts.get(i);
      if (verdict === undefined) {
        verdict = looksLikeSecretKey(text.slice(i, i + 40));
        verdicts.set(i, verdict);
      }
      if (distance < bestDistance && verdict) {
        best = { text: text.slice(i, i + 40), start: i };
        bestDistance = distance;
      }
    }
    // Skip the whole run: a longer run cannot contain a delimited 40-character key.
    i += run + runLength(text, i + run, isBase64Char, to - i);
  }
  return best;
}

function looksLikeSecretKey(candidate: string): boolean {
  if (!/[a-z]/.test(candidate) || !/[A-Z]/.test(candidate) || !/[0-9]/.test(candidate)) return false;
  if (isPlaceholder(candidate)) return false;
  return shannonEntropy(candidate) >= 4.2;
}
