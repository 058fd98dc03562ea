import { assertValidPrefix, DEFAULT_PREFIXES, parseToken, TOKEN_BODY_LENGTH } from "@tessera/verifier/token-format";
import type { Detector, DetectorMatch, KeywordHit } from "../types.js";

/** Detector id of Tessera's own tokens: the only one whose findings liveness and revoke act on. */
export const TESSERA_DETECTOR_ID = "tessera";

/**
 * Tessera API keys and refresh tokens, recognised by their CRC32 checksum: every well-formed token
 * with one of the prefixes is found wherever it sits (no word-boundary rule), and nothing whose
 * checksum fails is ever reported.
 * @example
 * createTesseraDetector(["tsk", "tsr", "acme"])
 */
export function createTesseraDetector(prefixes: Iterable<string> = Object.values(DEFAULT_PREFIXES)): Detector {
  const allowed = new Set<string>();
  for (const prefix of prefixes) {
    assertValidPrefix(prefix);
    allowed.add(prefix);
  }
  return {
    id: TESSERA_DETECTOR_ID,
    description: "Tessera API key or refresh token (checksum verified)",
    keywords: [...allowed].map((p) => `${p}_`),
    priority: 0,
    detect(text: string, hits: readonly KeywordHit[]): DetectorMatch[] {
      const matches: DetectorMatch[] = [];
      for (const hit of hits) {
        const prefixLength = hit.keyword.length - 1;
        const prefix = text.slice(hit.start, hit.start + prefixLength);
        // The prefilter is case-insensitive; prefixes are lower case and compared exactly.
        if (!allowed.has(prefix)) continue;
        const end = hit.start + hit.keyword.length + TOKEN_BODY_LENGTH;
        if (end > text.length) continue;
        const candidate = text.slice(hit.start, end);
        if (parseToken(candidate, allowed) === null) continue;
        matches.push({ start: hit.start, end, secret: candidate });
      }
      return matches;
    },
  };
}

/** The detector for the default prefixes (`tsk`, `tsr`). */
export const tesseraDetector: Detector = createTesseraDetector();
