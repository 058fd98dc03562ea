import { checksumOf } from "@tessera/verifier/token-format";
import { shannonEntropy } from "../entropy.js";
import type { Detector, DetectorMatch, KeywordHit } from "../types.js";
import { isAlnum, isBase64UrlChar, runLength } from "./chars.js";
import { isPlaceholder } from "./placeholders.js";

const CLASSIC_PREFIXES = ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"];

/**
 * GitHub tokens. Classic formats (`ghp_` etc.): 30 random base62 characters and a 6-character base62
 * CRC32 of them, which must match. Longer `ghs_` installation tokens (no published checksum) need
 * 40+ characters of high entropy. Fine-grained `github_pat_<22>_<59>` by exact shape.
 */
export const githubDetector: Detector = {
  id: "github",
  description: "GitHub token (classic formats checksum verified, fine-grained PAT, installation token)",
  keywords: [...CLASSIC_PREFIXES, "github_pat_"],
  priority: 10,
  detect(text: string, hits: readonly KeywordHit[]): DetectorMatch[] {
    const matches: DetectorMatch[] = [];
    for (const hit of hits) {
      if (hit.keyword === "github_pat_") {
        const match = fineGrained(text, hit.start);
        if (match) matches.push(match);
        continue;
      }
      if (!text.startsWith(hit.keyword, hit.start)) continue;
      const bodyStart = hit.start + 4;
      const run = runLength(text, bodyStart, isAlnum, 300);
      if (run >= 36) {
        const body = text.slice(bodyStart, bodyStart + 36);
        if (checksumOf(body.slice(0, 30)) === body.slice(30)) {
          matches.push({ start: hit.start, end: bodyStart + 36, secret: text.slice(hit.start, bodyStart + 36) });
          continue;
        }
      }
      if (hit.keyword === "ghs_") {
        // Installation tokens can be longer and use base64url characters; no public checksum.
        const longRun = runLength(text, bodyStart, isBase64UrlChar, 600);
        if (longRun < 40 || longRun >= 600 || isAlnum(text.charCodeAt(hit.start - 1))) continue;
        const body = text.slice(bodyStart, bodyStart + longRun);
        if (shannonEntropy(body) < 4.5 || isPlaceholder(body)) continue;
        matches.push({ start: hit.start, end: bodyStart + longRun, secret: `ghs_${body}` });
      }
    }
    return matches;
  },
};

function fineGrained(text: string, start: number): DetectorMatch | null {
  if (!text.startsWith("github_pat_", start)) return null;
  const first = start + 11;
  if (runLength(text, first, isAlnum, 23) !== 22 || text.charCodeAt(first + 22) !== 95) return null;
  const second = first + 23;
  if (runLength(text, second, isAlnum, 60) !== 59) return null;
  const secret = text.slice(start, second + 59);
  if (isPlaceholder(secret.slice(11))) return null;
  return { start, end: second + 59, secret };
}
