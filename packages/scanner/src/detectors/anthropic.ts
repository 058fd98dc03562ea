import { shannonEntropy } from "../entropy.js";
import type { Detector, DetectorMatch, KeywordHit } from "../types.js";
import { isAlnum, isBase64UrlChar, runLength } from "./chars.js";
import { isPlaceholder } from "./placeholders.js";

const KINDS = ["sk-ant-api03-", "sk-ant-admin01-"];

/** Anthropic API and admin keys: `sk-ant-api03-` / `sk-ant-admin01-` and 80 to 160 base64url characters. */
export const anthropicDetector: Detector = {
  id: "anthropic",
  description: "Anthropic API key",
  keywords: ["sk-ant-"],
  priority: 10,
  detect(text: string, hits: readonly KeywordHit[]): DetectorMatch[] {
    const matches: DetectorMatch[] = [];
    for (const hit of hits) {
      if (isAlnum(text.charCodeAt(hit.start - 1))) continue;
      const kind = KINDS.find((k) => text.startsWith(k, hit.start));
      if (kind === undefined) continue;
      const bodyStart = hit.start + kind.length;
      const run = runLength(text, bodyStart, isBase64UrlChar, 161);
      if (run < 80 || run > 160) continue;
      const body = text.slice(bodyStart, bodyStart + run);
      if (isPlaceholder(body) || shannonEntropy(body) < 4.5) continue;
      matches.push({ start: hit.start, end: bodyStart + run, secret: text.slice(hit.start, bodyStart + run) });
    }
    return matches;
  },
};
