/**
 * Values that look like secrets in shape but are documentation, templates or test scaffolding.
 * Used by the detectors without a checksum (checksummed formats need none of this).
 */

const STOP_WORDS = [
  "example",
  "changeme",
  "change_me",
  "change-me",
  "placeholder",
  "your_",
  "your-",
  "yourtoken",
  "yourkey",
  "yoursecret",
  "yourpassword",
  "xxxx",
  "dummy",
  "sample",
  "redacted",
  "fake",
  "notreal",
  "not_real",
  "insert",
  "replace",
  "todo",
  "fixme",
  "secret_here",
  "token_here",
  "key_here",
  "goes_here",
  "password1",
  "password123",
  "p@ssw0rd",
  "passw0rd",
  "letmein",
  "qwerty",
  "12345678",
  "abcdef",
  "abc123",
];

const TEMPLATE_MARKERS = ["${", "{{", "}}", "<%", "%>", "$(", "%(", "%s", "#{", "process.env", "os.environ", "getenv"];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = /^[0-9a-f]+$/i;
/** Lengths of common digests in hex: MD5, SHA-1, SHA-224, SHA-256, SHA-384, SHA-512. */
const HASH_HEX_LENGTHS = new Set([32, 40, 56, 64, 96, 128]);

const escapeRegExp = (literal: string): string => literal.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
/** Any template marker, in any case. */
const TEMPLATE = new RegExp(TEMPLATE_MARKERS.map(escapeRegExp).join("|"), "i");
/**
 * Any stop word in one case: lower, upper or capitalised. Stop words count only in one case
 * (example, EXAMPLE, Example): in a random mixed-case string a case-insensitive "todo" or "fake"
 * turns up about once in a thousand values, which would cost recall; an exact-case one about once
 * in a hundred thousand. One regex rather than a hundred `includes` calls: this runs for every
 * candidate value.
 */
const STOP = new RegExp(
  [
    ...new Set(
      STOP_WORDS.flatMap((word) => [word, word.toUpperCase(), (word[0] as string).toUpperCase() + word.slice(1)]),
    ),
  ]
    .map(escapeRegExp)
    .join("|"),
);
const ONE_REPEATED_SYMBOL = /^\*+$|^\.+$|^-+$|^_+$/;

/** True when `value` is a template, a documented example, a placeholder or a low-variety string. */
export function isPlaceholder(value: string): boolean {
  if (value.startsWith("<") || value.endsWith(">") || value.startsWith("$") || value.startsWith("%")) return true;
  if (hasFewDistinctCharacters(value) || ONE_REPEATED_SYMBOL.test(value)) return true;
  return TEMPLATE.test(value) || STOP.test(value);
}

/** True for UUIDs and hex strings of the length of a common digest (commit ids, checksums). */
export function isIdentifierOrHash(value: string): boolean {
  if (UUID.test(value)) return true;
  return HASH_HEX_LENGTHS.has(value.length) && HEX.test(value);
}

/** At most min(4, length - 1) distinct characters, counted without building a set. */
function hasFewDistinctCharacters(value: string): boolean {
  const limit = Math.min(4, value.length - 1);
  const seen: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (!seen.includes(c)) {
      seen.push(c);
      if (seen.length > limit) return false;
    }
  }
  return seen.length <= limit;
}
