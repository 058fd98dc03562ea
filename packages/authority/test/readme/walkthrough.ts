/**
 * The README's walk-through as data: its commands, exactly as written, and the outputs its
 * comments promise. Placeholders stay in the commands; `substitute` fills them from what
 * earlier commands printed, the way a reader copies a value from one output into the next line.
 */

export interface Step {
  /** The command as the README writes it (continuation lines joined, trailing comment kept). */
  command: string;
  /** The comment lines under it (`#   {"active":false}`): what the reader should see. */
  expected: string[];
}

/** The first ```sh block under the heading (up to the next heading of the same level). */
export function codeBlockUnder(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README has no heading "${heading}"`);
  const level = heading.split(" ")[0] as string;
  const end = markdown.indexOf(`\n${level} `, start + heading.length + 2);
  const section = markdown.slice(start, end < 0 ? undefined : end);
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error(`no sh block under "${heading}"`);
  return block[1] as string;
}

/** Splits a shell block into commands, each with the comment lines that follow it. */
export function parseSteps(block: string): Step[] {
  const steps: Step[] = [];
  let pending = "";
  for (const line of block.split("\n")) {
    if (pending) {
      pending += `\n${line}`;
      if (!line.endsWith("\\")) {
        steps.push({ command: pending, expected: [] });
        pending = "";
      }
      continue;
    }
    const trimmed = line.trim();
    if (trimmed === "") continue;
    if (trimmed.startsWith("#")) {
      steps.at(-1)?.expected.push(trimmed.replace(/^#\s*/, ""));
      continue;
    }
    if (line.endsWith("\\")) pending = line;
    else steps.push({ command: line, expected: [] });
  }
  return steps;
}

/** `tsk_...`, `prn_...`, `key_...`: a prefix followed by three dots. */
const PLACEHOLDER = /\b([a-z]{3})_\.\.\./g;

/**
 * What a placeholder stands for: the first full-length value with its prefix in the latest
 * output that printed one (ids are 20 characters, secrets 38; a key's 4-character display start
 * `tsk_Hu33` is not a value).
 */
export function rememberValues(output: string, values: Map<string, string>): void {
  const seen = new Set<string>();
  for (const match of output.matchAll(/\b([a-z]{3})_([0-9A-Za-z]{16,})\b/g)) {
    const prefix = match[1] as string;
    if (seen.has(prefix)) continue;
    seen.add(prefix);
    values.set(prefix, match[0]);
  }
}

/** Fills placeholders and points the README's address (127.0.0.1:7070) at the test's authority. */
export function substitute(text: string, values: Map<string, string>, port: number): string {
  return text
    .replace(PLACEHOLDER, (whole, prefix: string) => {
      const value = values.get(prefix);
      if (!value) throw new Error(`${whole}: no earlier output printed a ${prefix}_ value`);
      return value;
    })
    .replace(/\b(127\.0\.0\.1|localhost):7070\b/g, `127.0.0.1:${port}`);
}

/**
 * The JSON fields an expected-output comment promises (`{"active":true,"scope":"orders:read",...}`),
 * leaving out `...` and values that still hold a placeholder.
 */
export function promisedFields(expected: string): Record<string, unknown> | null {
  if (!expected.startsWith("{")) return null;
  const fields: Record<string, unknown> = {};
  for (const match of expected.matchAll(/"(\w+)":("[^"]*"|true|false|null|-?\d+(?:\.\d+)?)/g)) {
    const raw = match[2] as string;
    if (raw.includes("...")) continue;
    fields[match[1] as string] = JSON.parse(raw);
  }
  return fields;
}
