/**
 * Incremental history scans: the revisions scanned last time, per repository, in a JSON file,
 * so a CI job scans only commits that are new since then.
 * @module
 */

import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { ScanError } from "./errors.js";

export const STATE_VERSION = 1;
/** Tips kept per repository; older ones are dropped first (their history is usually reachable from newer ones). */
const MAX_TIPS = 1000;

export interface RepositoryState {
  /** HEAD (or the range's end) at the last scan. */
  lastCommit: string | null;
  /** Every revision tip scanned so far: their history is excluded next time. */
  tips: string[];
  scannedAt: string;
}

export interface StateFile {
  version: typeof STATE_VERSION;
  repositories: Record<string, RepositoryState>;
}

export function readState(path: string): StateFile {
  if (!existsSync(path)) return { version: STATE_VERSION, repositories: {} };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ScanError("invalid_state", `cannot read state ${path}: ${(error as Error).message}`, { cause: error });
  }
  const file = raw as Partial<StateFile>;
  if (
    typeof raw !== "object" ||
    raw === null ||
    file.version !== STATE_VERSION ||
    typeof file.repositories !== "object" ||
    file.repositories === null
  ) {
    throw new ScanError("invalid_state", `${path} is not a tessera-scan state file (version ${STATE_VERSION})`);
  }
  for (const [key, repo] of Object.entries(file.repositories)) {
    if (!Array.isArray(repo?.tips) || !repo.tips.every((t) => typeof t === "string" && /^[0-9a-f]{40,64}$/.test(t))) {
      throw new ScanError("invalid_state", `${path}: repository "${key}" has invalid tips`);
    }
  }
  return file as StateFile;
}

/** Writes atomically (temp file and rename), so a killed CI job never leaves a torn state file. */
export function writeState(path: string, state: StateFile): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temp, path);
}

export function updateRepository(
  state: StateFile,
  key: string,
  lastCommit: string | null,
  newTips: readonly string[],
  now = new Date(),
): StateFile {
  const previous = state.repositories[key]?.tips ?? [];
  const tips = [...new Set([...newTips, ...previous])].slice(0, MAX_TIPS);
  return {
    version: STATE_VERSION,
    repositories: { ...state.repositories, [key]: { lastCommit, tips, scannedAt: now.toISOString() } },
  };
}
