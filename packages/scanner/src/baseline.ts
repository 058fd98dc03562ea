/**
 * Baselines: a file of accepted findings, so a scan reports only new ones. Entries are matched by
 * location fingerprint (detector, secret and file), so moving lines does not make a finding new,
 * while the same secret leaking into another file does. The file holds no secret.
 * @module
 */

import { readFileSync, writeFileSync } from "node:fs";
import { ScanError } from "./errors.js";
import type { InternalFinding } from "./types.js";

export const BASELINE_VERSION = 1;

export interface BaselineEntry {
  detector: string;
  file: string;
  line: number;
  preview: string;
  fingerprint: string;
  locationFingerprint: string;
  commit?: string;
}

export interface BaselineFile {
  version: typeof BASELINE_VERSION;
  tool: "tessera-scan";
  createdAt: string;
  findings: BaselineEntry[];
}

export function readBaseline(path: string): Set<string> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ScanError("invalid_baseline", `cannot read baseline ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const file = raw as Partial<BaselineFile>;
  if (typeof raw !== "object" || raw === null || file.version !== BASELINE_VERSION || !Array.isArray(file.findings)) {
    throw new ScanError("invalid_baseline", `${path} is not a tessera-scan baseline (version ${BASELINE_VERSION})`);
  }
  const accepted = new Set<string>();
  for (const entry of file.findings) {
    if (typeof entry?.locationFingerprint !== "string")
      throw new ScanError("invalid_baseline", `${path}: an entry has no locationFingerprint`);
    accepted.add(entry.locationFingerprint);
  }
  return accepted;
}

export function writeBaseline(path: string, findings: readonly InternalFinding[], now = new Date()): void {
  const seen = new Set<string>();
  const entries: BaselineEntry[] = [];
  for (const f of findings) {
    if (seen.has(f.locationFingerprint)) continue;
    seen.add(f.locationFingerprint);
    const entry: BaselineEntry = {
      detector: f.detector,
      file: f.file,
      line: f.line,
      preview: f.preview,
      fingerprint: f.fingerprint,
      locationFingerprint: f.locationFingerprint,
    };
    if (f.commit) entry.commit = f.commit.commit;
    entries.push(entry);
  }
  const file: BaselineFile = {
    version: BASELINE_VERSION,
    tool: "tessera-scan",
    createdAt: now.toISOString(),
    findings: entries,
  };
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
}
