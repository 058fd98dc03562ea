import type { Detector, DetectorMatch, KeywordHit } from "../types.js";
import { isBase64UrlChar, runLength } from "./chars.js";
import { examineHitsOnce } from "./hits.js";

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
    return examineHitsOnce(text, hits, (start) => {
      if (!text.startsWith("eyJ", start) || isBase64UrlChar(text.charCodeAt(start - 1))) return null;
      const headerLength = runLength(text, start, isBase64UrlChar, MAX_PART);
      const headerRead = { readUntil: start + headerLength };
      const payloadStart = start + headerLength + 1;
      if (headerLength < 10 || text.charCodeAt(payloadStart - 1) !== 46 || !text.startsWith("eyJ", payloadStart))
        return headerRead;
      const payloadLength = runLength(text, payloadStart, isBase64UrlChar, MAX_PART);
      const signatureStart = payloadStart + payloadLength + 1;
      if (text.charCodeAt(signatureStart - 1) !== 46) return headerRead;
      const signatureLength = runLength(text, signatureStart, isBase64UrlChar, MAX_PART);
      if (signatureLength < 16) return headerRead;
      const header = decodeJsonObject(text.slice(start, start + headerLength));
      if (header === null || typeof header.alg !== "string" || header.alg.toLowerCase() === "none") return headerRead;
      if (decodeJsonObject(text.slice(payloadStart, payloadStart + payloadLength)) === null) return headerRead;
      return { readUntil: headerRead.readUntil, matchEnd: signatureStart + signatureLength };
    });
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
