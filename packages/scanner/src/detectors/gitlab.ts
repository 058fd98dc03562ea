import type { Detector, DetectorMatch, KeywordHit } from "../types.js";
import { isAlnum, isBase64UrlChar, runLength } from "./chars.js";
import { isPlaceholder } from "./placeholders.js";

/**
 * GitLab personal, project and group access tokens: `glpat-` and 20+ base64url characters,
 * optionally with the routable suffix `.01.<9>` of recent GitLab versions.
 */
export const gitlabDetector: Detector = {
  id: "gitlab",
  description: "GitLab access token (glpat-)",
  keywords: ["glpat-"],
  priority: 10,
  detect(text: string, hits: readonly KeywordHit[]): DetectorMatch[] {
    const matches: DetectorMatch[] = [];
    for (const hit of hits) {
      if (!text.startsWith("glpat-", hit.start) || isAlnum(text.charCodeAt(hit.start - 1))) continue;
      const bodyStart = hit.start + 6;
      const run = runLength(text, bodyStart, isBase64UrlChar, 200);
      if (run < 20 || run >= 200) continue;
      let end = bodyStart + run;
      const suffix = /\.[0-9a-z]{2}\.[0-9a-z]{9}(?![0-9a-z])/y;
      suffix.lastIndex = end;
      if (suffix.test(text)) end = suffix.lastIndex;
      const secret = text.slice(hit.start, end);
      if (isPlaceholder(text.slice(bodyStart, bodyStart + run))) continue;
      matches.push({ start: hit.start, end, secret });
    }
    return matches;
  },
};
