import { characterClasses, shannonEntropy } from "../entropy.js";
import type { Detector, DetectorMatch, KeywordHit } from "../types.js";
import { isIdentifierOrHash, isPlaceholder } from "./placeholders.js";

const PASSWORD_KEYWORDS = new Set(["passw", "pwd"]);
/** Identifiers that contain a keyword but name something that is not a secret. */
const NOT_SECRET_SUFFIXES = [
  "url",
  "uri",
  "endpoint",
  "type",
  "name",
  "names",
  "path",
  "file",
  "len",
  "length",
  "count",
  "size",
  "ttl",
  "expiry",
  "expires",
  "expiration",
  "header",
  "field",
  "prefix",
  "format",
  "policy",
  "regex",
  "pattern",
  "hash",
  "hashed",
  "id",
  "ids",
  "limit",
  "max",
  "min",
  "label",
  "env",
  "var",
  "key_id",
  "enabled",
  "required",
  "version",
  "arn",
  "ref",
  "mode",
  "kind",
  "class",
  "dir",
  "hint",
  "prompt",
];
/** Shapes of checksummed formats: a failed checksum means a typo or a fake, never a finding. */
const CHECKSUMMED_SHAPE = /^(?:[a-z][a-z0-9]{1,15}_[A-Za-z0-9]{38}|(?:gh[pousr]|npm)_[A-Za-z0-9]{36})$/;
const WORDS_ONLY = /^[A-Za-z]+(?:[_.-][A-Za-z]+)*[0-9]{0,3}$/;
const MAX_IDENTIFIER = 64;
const MAX_VALUE = 256;

/**
 * Assignments of high-entropy values to secret-sounding names: `api_key = "..."`,
 * `"client_secret": "..."`, `DB_PASSWORD=...` (unquoted only at the start of a line, as in
 * `.env`, YAML and INI files). Values are scored by Shannon entropy and character classes;
 * placeholders, templates, UUIDs, digests, identifiers and words are ignored.
 */
export const genericDetector: Detector = {
  id: "generic",
  description: "High-entropy value assigned to a secret-sounding name",
  keywords: [
    "secret",
    "token",
    "passw",
    "pwd",
    "api_key",
    "apikey",
    "api-key",
    "access_key",
    "accesskey",
    "auth_key",
    "credential",
    "private_key",
  ],
  priority: 100,
  detect(text: string, hits: readonly KeywordHit[], bytes?: Uint8Array): DetectorMatch[] {
    // Keyword hits of this detector are frequent (`token`, `password` in ordinary code): the
    // per-hit tests read bytes, which is cheaper than `charCodeAt`.
    const codes = bytes ?? charCodes(text);
    const matches: DetectorMatch[] = [];
    let consumedUntil = -1;
    for (let h = 0; h < hits.length; h++) {
      const hit = hits[h] as KeywordHit;
      if (hit.start < consumedUntil) continue;
      // Every keyword is made of identifier characters: the identifier runs on from its end.
      const identEnd = scanIdentifierFrom(
        codes,
        hit.start + hit.keyword.length,
        Math.min(codes.length, hit.start + MAX_IDENTIFIER),
      );
      consumedUntil = identEnd;
      // Most keyword hits are not assignments: rule them out before building any string.
      if (!followedByOperator(codes, identEnd)) continue;
      const identStart = scanIdentifier(codes, hit.start, -1);
      const value = assignedValue(text, codes, identStart, identEnd);
      if (value === null) continue;
      consumedUntil = value.end;
      const identifier = text.slice(identStart, identEnd).toLowerCase();
      if (namesSomethingElse(identifier, hit.keyword)) continue;
      if (!looksSecret(value.text, PASSWORD_KEYWORDS.has(hit.keyword))) continue;
      matches.push({ start: value.start, end: value.end, secret: value.text });
    }
    return matches;
  },
};

/** Character codes of the text: its bytes (the engine passes them), or computed for other callers. */
type Codes = Uint8Array | Uint16Array;

function charCodes(text: string): Uint16Array {
  const codes = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i++) codes[i] = text.charCodeAt(i);
  return codes;
}

/** `api_key_id`, `token_url`: the keyword is followed by a suffix that is not a secret. */
function namesSomethingElse(identifier: string, keyword: string): boolean {
  if (identifier.endsWith(keyword)) return false;
  for (let s = 0; s < NOT_SECRET_SUFFIXES.length; s++) {
    if (identifier.endsWith(NOT_SECRET_SUFFIXES[s] as string)) return true;
  }
  return false;
}

/** Cheap test: an optional closing quote, blanks, then `=` or `:`. */
function followedByOperator(codes: Codes, at: number): boolean {
  let i = at;
  const c = codes[i];
  if (c === 34 || c === 39) i++;
  while (i < at + 10 && (codes[i] === 32 || codes[i] === 9)) i++;
  const op = codes[i];
  return op === 61 || op === 58;
}

/** 1 for the characters of an identifier as this detector reads one: letters, digits, `_`, `-`, `.`. */
const IDENTIFIER_CHAR = new Uint8Array(65_536);
for (let c = 0; c < 128; c++) {
  if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === 46)
    IDENTIFIER_CHAR[c] = 1;
}

/** False past either end of the text (`c` undefined). */
function isIdentifierChar(c: number | undefined): boolean {
  return c !== undefined && IDENTIFIER_CHAR[c] === 1;
}

/** The end of the run of identifier characters from `from`, stopping at `limit`. */
function scanIdentifierFrom(codes: Codes, from: number, limit: number): number {
  let i = from;
  while (i < limit && IDENTIFIER_CHAR[codes[i] as number] === 1) i++;
  return i;
}

function scanIdentifier(codes: Codes, from: number, direction: 1 | -1): number {
  let i = from;
  const limit = direction === 1 ? Math.min(codes.length, from + MAX_IDENTIFIER) : Math.max(0, from - MAX_IDENTIFIER);
  if (direction === 1) {
    while (i < limit && isIdentifierChar(codes[i])) i++;
  } else {
    while (i > limit && isIdentifierChar(codes[i - 1])) i--;
  }
  return i;
}

interface Value {
  text: string;
  start: number;
  end: number;
}

function assignedValue(text: string, codes: Codes, identStart: number, identEnd: number): Value | null {
  let i = identEnd;
  const opening = codes[identStart - 1];
  if ((opening === 34 || opening === 39) && codes[i] === opening) i++;
  i = skipBlanks(codes, i);
  let operator: string;
  if (text.startsWith(":=", i) || text.startsWith("=>", i)) operator = text.slice(i, i + 2);
  else if (text[i] === "=" || text[i] === ":") operator = text[i] as string;
  else return null;
  const after = codes[i + operator.length];
  if (operator.length === 1 && (after === 61 || after === 58 || after === 126)) return null; // ==, ::, =~
  i = skipBlanks(codes, i + operator.length);
  const quote = codes[i];
  if (quote === 34 || quote === 39 || quote === 96) {
    const start = i + 1;
    let end = start;
    const limit = Math.min(text.length, start + MAX_VALUE + 1);
    while (end < limit) {
      const c = codes[end];
      if (c === quote || c === 10 || c === 13) break;
      if (c === 92) end++; // an escaped character never ends the string
      end++;
    }
    if (end >= limit || codes[end] !== quote) return null;
    return { text: text.slice(start, end), start, end };
  }
  if (operator !== "=" && operator !== ":") return null;
  if (!startsLine(text, identStart)) return null;
  let end = i;
  const limit = Math.min(text.length, i + MAX_VALUE + 1);
  while (end < limit && !endsUnquotedValue(codes[end] as number)) end++;
  if (end >= limit) return null;
  return { text: text.slice(i, end), start: i, end };
}

/** Whitespace (what `\s` matches in latin1 text), quotes, `;`, `,` and `#`. */
function endsUnquotedValue(c: number): boolean {
  return (
    (c >= 9 && c <= 13) || c === 32 || c === 160 || c === 39 || c === 34 || c === 96 || c === 59 || c === 44 || c === 35
  );
}

function skipBlanks(codes: Codes, from: number): number {
  let i = from;
  while (i < from + 8 && (codes[i] === 32 || codes[i] === 9)) i++;
  return i;
}

/** True when only blanks or `export ` stand between the previous newline and `at`. */
function startsLine(text: string, at: number): boolean {
  let i = at;
  const limit = Math.max(0, at - 40);
  while (i > limit && (text.charCodeAt(i - 1) === 32 || text.charCodeAt(i - 1) === 9)) i--;
  if (text.slice(Math.max(0, i - 6), i) === "export") i -= 6;
  while (i > limit && (text.charCodeAt(i - 1) === 32 || text.charCodeAt(i - 1) === 9)) i--;
  return i === 0 || text.charCodeAt(i - 1) === 10;
}

/** Scores a candidate value. Exported for tests. */
export function looksSecret(value: string, isPassword: boolean): boolean {
  // Every test must pass; the cheap ones go first, as most candidates are ordinary code.
  if (value.length < (isPassword ? 8 : 16) || value.length > MAX_VALUE || /\s/.test(value)) return false;
  if (!isPassword && !(/[0-9]/.test(value) && /[A-Za-z]/.test(value))) return false;
  if (WORDS_ONLY.test(value) || /^[0-9.]+$/.test(value)) return false;
  if (value.includes("://") || /^(?:\.{0,2}\/|~\/)/.test(value)) return false;
  if (CHECKSUMMED_SHAPE.test(value) || isIdentifierOrHash(value) || isPlaceholder(value)) return false;
  const entropy = shannonEntropy(value);
  if (!isPassword) return entropy >= 3.5;
  const classes = characterClasses(value);
  return entropy >= 3.0 && (classes >= 3 || (classes === 2 && value.length >= 12));
}
