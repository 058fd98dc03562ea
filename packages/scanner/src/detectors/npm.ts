import { checksumOf } from "@tessera/verifier/token-format";
import type { Detector, DetectorMatch, KeywordHit } from "../types.js";
import { isAlnum, runLength } from "./chars.js";

/** npm access tokens: `npm_`, 30 random base62 characters and their 6-character base62 CRC32. */
export const npmDetector: Detector = {
  id: "npm",
  description: "npm access token (checksum verified)",
  keywords: ["npm_"],
  priority: 10,
  detect(text: string, hits: readonly KeywordHit[]): DetectorMatch[] {
    const matches: DetectorMatch[] = [];
    for (const hit of hits) {
      if (!text.startsWith("npm_", hit.start)) continue;
      const bodyStart = hit.start + 4;
      if (runLength(text, bodyStart, isAlnum, 36) !== 36) continue;
      const body = text.slice(bodyStart, bodyStart + 36);
      if (checksumOf(body.slice(0, 30)) !== body.slice(30)) continue;
      matches.push({ start: hit.start, end: bodyStart + 36, secret: `npm_${body}` });
    }
    return matches;
  },
};
