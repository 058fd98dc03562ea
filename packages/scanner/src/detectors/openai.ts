import { shannonEntropy } from "../entropy.js";
import type { Detector, DetectorMatch, KeywordHit } from "../types.js";
import { isAlnum, isBase64UrlChar, runLength } from "./chars.js";
import { isPlaceholder } from "./placeholders.js";

/** Base64 of "OpenAI", embedded in every legacy and most project keys. */
const MARKER = "T3BlbkFJ";
const SCOPED = ["sk-proj-", "sk-svcacct-", "sk-admin-"];

/**
 * OpenAI API keys: any `sk-` key carrying the `T3BlbkFJ` marker, and `sk-proj-` / `sk-svcacct-` /
 * `sk-admin-` keys of 80+ high-entropy characters. Anthropic's `sk-ant-` keys are left to their detector.
 */
export const openaiDetector: Detector = {
  id: "openai",
  description: "OpenAI API key",
  keywords: ["sk-"],
  priority: 10,
  detect(text: string, hits: readonly KeywordHit[]): DetectorMatch[] {
    const matches: DetectorMatch[] = [];
    let consumedUntil = -1;
    for (const hit of hits) {
      // `sk-` repeated a million times must stay linear: never re-read a run already examined.
      if (hit.start < consumedUntil) continue;
      if (!text.startsWith("sk-", hit.start) || isAlnum(text.charCodeAt(hit.start - 1))) continue;
      if (text.startsWith("sk-ant-", hit.start)) continue;
      const run = runLength(text, hit.start + 3, isBase64UrlChar, 400);
      consumedUntil = hit.start + 3 + run;
      if (run < 40 || run >= 400) continue;
      const secret = text.slice(hit.start, hit.start + 3 + run);
      const body = secret.slice(3);
      const scoped = SCOPED.some((p) => secret.startsWith(p));
      const marked = body.indexOf(MARKER) >= 8 && body.length - body.indexOf(MARKER) >= 28;
      if (!marked && !(scoped && run >= 80 && shannonEntropy(body) >= 4.5)) continue;
      if (isPlaceholder(body)) continue;
      matches.push({ start: hit.start, end: hit.start + 3 + run, secret });
    }
    return matches;
  },
};
