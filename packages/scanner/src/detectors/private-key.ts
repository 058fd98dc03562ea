import type { Detector, DetectorMatch, KeywordHit } from "../types.js";
import { isBase64Char } from "./chars.js";

/** Largest key block the detector reads (an RSA-16384 PEM is about 12 KB). */
export const MAX_KEY_BLOCK = 16 * 1024;
const MIN_BODY = 64;
const HEADER = /-----BEGIN (?:(?:RSA|DSA|EC|OPENSSH|ENCRYPTED|PGP|SSH2) )?PRIVATE KEY(?: BLOCK)?-----/y;

/**
 * PEM, OpenSSH and PGP private key blocks. The header must be followed by at least 64 base64
 * characters (across real newlines, `\n` escapes in strings, and `Key: value` header lines), so
 * code that merely mentions the header is not reported. A block without its END line is still
 * reported (truncated keys leak too).
 */
export const privateKeyDetector: Detector = {
  id: "private-key",
  description: "Private key block (PEM, OpenSSH, PGP)",
  keywords: ["private key"],
  priority: 5,
  detect(text: string, hits: readonly KeywordHit[]): DetectorMatch[] {
    const matches: DetectorMatch[] = [];
    for (const hit of hits) {
      const begin = text.lastIndexOf("-----BEGIN ", hit.start);
      if (begin < 0 || hit.start - begin > 20) continue;
      HEADER.lastIndex = begin;
      if (!HEADER.test(text)) continue;
      const end = blockEnd(text, HEADER.lastIndex);
      if (end < 0) continue;
      matches.push({ start: begin, end, secret: text.slice(begin, end) });
    }
    return matches;
  },
};

/** End offset of the key block whose body starts at `from`, or -1 when there is no real body. */
function blockEnd(text: string, from: number): number {
  const limit = Math.min(text.length, from + MAX_KEY_BLOCK);
  let base64 = 0;
  let i = from;
  let lastBody = from;
  while (i < limit) {
    const c = text.charCodeAt(i);
    if (isBase64Char(c) || c === 61 /* = */) {
      // A `Proc-Type: 4,ENCRYPTED` style header line before the body.
      if (base64 === 0 && headerLineEnd(text, i, limit) > 0) {
        i = headerLineEnd(text, i, limit);
        continue;
      }
      base64++;
      i++;
      lastBody = i;
    } else if (c === 10 || c === 13 || c === 32 || c === 9) {
      i++;
    } else if (c === 92 /* \ */ && (text.charCodeAt(i + 1) === 110 || text.charCodeAt(i + 1) === 114)) {
      i += 2;
    } else {
      break;
    }
  }
  if (base64 < MIN_BODY) return -1;
  const footer = /-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/y;
  footer.lastIndex = i;
  return footer.test(text) ? footer.lastIndex : lastBody;
}

function headerLineEnd(text: string, from: number, limit: number): number {
  const line = /[A-Za-z][A-Za-z-]{0,40}: [^\n\\]{0,200}(?:\n|\\n)/y;
  line.lastIndex = from;
  return line.test(text) && line.lastIndex <= limit ? line.lastIndex : -1;
}
