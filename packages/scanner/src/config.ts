/**
 * The `.tessera-scan.json` configuration file (in the scanned root, or `--config`).
 * @module
 */

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PREFIX_PATTERN } from "@tessera/verifier/token-format";
import { ScanError } from "./errors.js";

/** Name of the configuration file looked for in the scanned root. */
export const CONFIG_FILE_NAME = ".tessera-scan.json";

export interface ScanConfig {
  /** Extra Tessera token prefixes of this deployment (the defaults `tsk`, `tsr` always apply). */
  prefixes?: string[];
  /** Detector ids to turn off. */
  disable?: string[];
  maxFileSize?: number;
  allowlist?: {
    /** gitignore-style globs of paths whose findings are suppressed. */
    paths?: string[];
    /** Regular expressions; a finding whose secret matches one is suppressed. */
    patterns?: string[];
    /** Fingerprints (either kind) of accepted findings. */
    fingerprints?: string[];
  };
}

/** Reads the config: `explicitPath` must exist; otherwise `<root>/.tessera-scan.json` if present. */
export function loadConfig(root: string, explicitPath?: string): { config: ScanConfig; path: string | null } {
  const path = explicitPath ?? join(root, CONFIG_FILE_NAME);
  if (explicitPath === undefined && !existsSync(path)) return { config: {}, path: null };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ScanError("invalid_config", `cannot read config ${path}: ${(error as Error).message}`, { cause: error });
  }
  return { config: validateConfig(raw, path), path };
}

function validateConfig(raw: unknown, path: string): ScanConfig {
  const fail = (message: string): never => {
    throw new ScanError("invalid_config", `${path}: ${message}`);
  };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return fail("must be a JSON object");
  const input = raw as Record<string, unknown>;
  const known = new Set(["$schema", "prefixes", "disable", "maxFileSize", "allowlist"]);
  for (const key of Object.keys(input)) if (!known.has(key)) fail(`unknown key "${key}"`);
  const config: ScanConfig = {};
  const strings = (value: unknown, name: string): string[] => {
    if (!Array.isArray(value) || !value.every((v) => typeof v === "string"))
      return fail(`"${name}" must be an array of strings`);
    return value as string[];
  };
  if (input.prefixes !== undefined) {
    config.prefixes = strings(input.prefixes, "prefixes");
    for (const p of config.prefixes)
      if (!PREFIX_PATTERN.test(p))
        fail(`prefix "${p}" must be 2-16 lower-case letters or digits, starting with a letter`);
  }
  if (input.disable !== undefined) config.disable = strings(input.disable, "disable");
  if (input.maxFileSize !== undefined) {
    if (typeof input.maxFileSize !== "number" || !(input.maxFileSize > 0))
      fail(`"maxFileSize" must be a positive number of bytes`);
    config.maxFileSize = input.maxFileSize as number;
  }
  if (input.allowlist !== undefined) {
    const allow = input.allowlist;
    if (typeof allow !== "object" || allow === null || Array.isArray(allow))
      return fail(`"allowlist" must be an object`);
    const a = allow as Record<string, unknown>;
    for (const key of Object.keys(a))
      if (!["paths", "patterns", "fingerprints"].includes(key)) fail(`unknown key "allowlist.${key}"`);
    config.allowlist = {};
    if (a.paths !== undefined) config.allowlist.paths = strings(a.paths, "allowlist.paths");
    if (a.patterns !== undefined) {
      config.allowlist.patterns = strings(a.patterns, "allowlist.patterns");
      for (const p of config.allowlist.patterns) {
        try {
          new RegExp(p);
        } catch (error) {
          fail(`allowlist pattern /${p}/ is not a valid regular expression: ${(error as Error).message}`);
        }
      }
    }
    if (a.fingerprints !== undefined) config.allowlist.fingerprints = strings(a.fingerprints, "allowlist.fingerprints");
  }
  return config;
}
