import { shannonEntropy } from "../entropy.js";
import type { Detector, DetectorMatch, KeywordHit } from "../types.js";
import { isAlnum, runLength } from "./chars.js";
import { isPlaceholder } from "./placeholders.js";

/** Stripe live secret and restricted keys (`sk_live_`, `rk_live_`); test-mode keys are not secrets. */
export const stripeDetector: Detector = {
  id: "stripe",
  description: "Stripe live secret or restricted key",
  keywords: ["sk_live_", "rk_live_"],
  priority: 10,
  detect(text: string, hits: readonly KeywordHit[]): DetectorMatch[] {
    const matches: DetectorMatch[] = [];
    for (const hit of hits) {
      if (!text.startsWith(hit.keyword, hit.start) || isAlnum(text.charCodeAt(hit.start - 1))) continue;
      const bodyStart = hit.start + 8;
      const run = runLength(text, bodyStart, isAlnum, 248);
      if (run < 24 || run > 247) continue;
      const body = text.slice(bodyStart, bodyStart + run);
      if (isPlaceholder(body) || shannonEntropy(body) < 3.5) continue;
      matches.push({ start: hit.start, end: bodyStart + run, secret: text.slice(hit.start, bodyStart + run) });
    }
    return matches;
  },
};
