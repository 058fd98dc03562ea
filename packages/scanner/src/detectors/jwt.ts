import type { Detector, DetectorMatch, KeywordHit } from "../types.js";
import { isBase64UrlChar, runLength } from "./chars.js";

const MAX_PART = 8 * 1024;

/**
 * Signed JSON Web Tokens: three base64url parts whose header decodes to a JSON object with a
 * string `alg` other than `none`, a payload that decodes to a JSON object, and a signature of
 * at least 16 characters.
 */
export const jwtDetector: Detector = {
  id: "jwt",
  description: "JSON Web Token (signed)",
  keywords: ["eyj"],
  priority: 10,
  detect(text: string, hits: readonly KeywordHit[]): DetectorMatch[] {
    const matches: DetectorMatch[] = [];
    let consumedUntil = -1;
    for (const hit of hits) {
      if (hit.start < consumedUntil) continue;
      if (!text.startsWith("eyJ", hit.start) || isBase64UrlChar(text.charCodeAt(hit.start - 1))) continue;
      const headerLength = runLength(text, hit.start, isBase64UrlChar, MAX_PART);
      consumedUntil = hit.start + headerLength;
      const payloadStart = hit.start + headerLength + 1;
      if (headerLength < 10 || text.charCodeAt(payloadStart - 1) !== 46 || !text.startsWith("eyJ", payloadStart))
        continue;
      const payloadLength = runLength(text, payloadStart, isBase64UrlChar, MAX_PART);
      const signatureStart = payloadStart + payloadLength + 1;
      if (text.charCodeAt(signatureStart - 1) !== 46) continue;
      const signatureLength = runLength(text, signatureStart, isBase64UrlChar, MAX_PART);
      if (signatureLength < 16) continue;
      const header = decodeJsonObject(text.slice(hit.start, hit.start + headerLength));
      if (header === null || typeof header.alg !== "string" || header.alg.toLowerCase() === "none") continue;
      if (decodeJsonObject(text.slice(payloadStart, payloadStart + payloadLength)) === null) continue;
      const end = signatureStart + signatureLength;
      consumedUntil = end;
      matches.push({ start: hit.start, end, secret: text.slice(hit.start, end) });
    }
    return matches;
  },
};

function decodeJsonObject(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
