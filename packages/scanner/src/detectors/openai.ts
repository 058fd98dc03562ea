import { shannonEntropy } from "../entropy.js";
import type { Detector, DetectorMatch, KeywordHit } from "../types.js";
import { isAlnum, isBase64UrlChar, runLength } from "./chars.js";
import { examineHitsOnce } from "./hits.js";
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
    // `sk-` repeated a million times must stay linear: examineHitsOnce never re-reads a run.
    return examineHitsOnce(text, hits, (start) => {
      if (!text.startsWith("sk-", start) || isAlnum(text.charCodeAt(start - 1))) return null;
      if (text.startsWith("sk-ant-", start)) return null;
      const run = runLength(text, start + 3, isBase64UrlChar, 400);
      const read = { readUntil: start + 3 + run };
      if (run < 40 || run >= 400) return read;
      const body = text.slice(start + 3, start + 3 + run);
      const scoped = SCOPED.some((p) => text.startsWith(p, start));
      const marked = body.indexOf(MARKER) >= 8 && body.length - body.indexOf(MARKER) >= 28;
      if (!marked && !(scoped && run >= 80 && shannonEntropy(body) >= 4.5)) return read;
      if (isPlaceholder(body)) return read;
      return { readUntil: read.readUntil, matchEnd: read.readUntil };
    });
  },
};
