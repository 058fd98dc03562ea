/**
 * Turns located matches into findings: redacted preview and fingerprints.
 *
 * Fingerprints (documented in docs/scanner.md):
 * - `fingerprint` = first 32 hex of sha256(detector + ":" + secret): the same secret anywhere.
 * - `locationFingerprint` = first 32 hex of sha256(detector + ":" + secret + ":" + file): stable
 *   when lines move or history is rewritten, so baselines survive edits above a finding.
 * @module
 */

import { hash } from "node:crypto";
import type { LocatedMatch } from "./chunked.js";
import type { CommitInfo, InternalFinding } from "./types.js";

/** Where a scanned stream came from. */
export interface SourceLocation {
  file: string;
  commit?: CommitInfo;
}

export function toFinding(located: LocatedMatch, source: SourceLocation): InternalFinding {
  const detector = located.match.detector;
  const { fingerprint, locationFingerprint } = fingerprintsOf(detector.id, located.secret, source.file);
  const finding: InternalFinding = {
    detector: detector.id,
    description: detector.description,
    file: source.file,
    line: located.line,
    column: located.column,
    endColumn: located.endColumn,
    preview: previewOf(located.secret, located.label),
    fingerprint,
    locationFingerprint,
    secret: located.secret,
    inlineAllowed: located.inlineAllowed,
  };
  if (source.commit) finding.commit = source.commit;
  return finding;
}

export function fingerprintsOf(
  detector: string,
  secret: string,
  file: string,
): { fingerprint: string; locationFingerprint: string } {
  return {
    fingerprint: sha256(`${detector}:${secret}`).slice(0, 32),
    locationFingerprint: sha256(`${detector}:${secret}:${file}`).slice(0, 32),
  };
}

function sha256(text: string): string {
  return hash("sha256", text, "hex");
}

const KNOWN_PREFIX = /^(?:[A-Za-z][A-Za-z0-9]{0,15}[_-]){1,3}/;

/**
 * A preview that identifies a secret without revealing it: a non-secret label (AWS key id, URL
 * scheme and user) or the token's type prefix, then at most 4 characters and no more than a
 * quarter of the secret part, then the count of hidden characters.
 * @example
 * previewOf("tsk_AbCdEf...") // "tsk_AbCd…(34 more)"
 */
export function previewOf(secret: string, label?: string): string {
  let shown = "";
  let rest = secret;
  if (label !== undefined) {
    shown = label;
    if (rest.startsWith(label)) rest = rest.slice(label.length);
    if (rest.startsWith(":") && shown.endsWith(":") === false) {
      shown += ":";
      rest = rest.slice(1);
    }
  } else if (rest.startsWith("-----BEGIN ")) {
    const headerEnd = rest.indexOf("-----", 11);
    if (headerEnd > 0) {
      shown = rest.slice(0, headerEnd + 5);
      return `${shown}…(${rest.length - shown.length} more)`;
    }
  } else {
    const prefix = KNOWN_PREFIX.exec(rest);
    if (prefix !== null && prefix[0].length <= rest.length / 2) {
      shown = prefix[0];
      rest = rest.slice(prefix[0].length);
    }
  }
  const visible = Math.min(4, Math.floor(rest.length / 4));
  return `${shown}${rest.slice(0, visible)}…(${rest.length - visible} more)`;
}
